// What a script tells about users on its console (never through a logger, so never into a log file).

/** When no user exists yet: how to make the first admin. */
export const describeNoUsers = ({ command }: { command: string }) =>
  `No dashboard user yet: create the first admin with \`${command} create-admin NAME\` (it prints a one-time password).`;

/** The one-time password banner: shown this once on a console (only its hash is kept). */
export const describeOneTimePassword = ({ name, password }: { name: string; password: string }) =>
  [
    `Dashboard admin "${name}" was created. Its one-time password is shown this once (only a hash is kept):`,
    `  ${name}  ${password}`,
    'Sign in and change it on the Account page.',
  ].join('\n');
