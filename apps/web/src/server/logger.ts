import { type Logger, pino } from 'pino';

/** The password of a URL's user info (`scheme://user:password@host`), wherever a URL appears in a text. */
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]*@/gi;
/** A `password=` parameter of a connection string (`?password=...` or `password=...` in a DSN). */
const passwordParameter = /(\bpassword=)[^&\s]*/gi;
/** The credential of an `Authorization: Bearer ...` or `Basic ...` header quoted in a text. */
const authorizationCredential = /(\b(?:bearer|basic)\s+)[a-z0-9._~+/=-]{8,}/gi;

/** `text` with every URL password, `password=` value and bearer credential replaced by `***`. */
export const redactSecrets = (text: string) =>
  text
    .replace(urlPassword, '$1***@')
    .replace(passwordParameter, '$1***')
    .replace(authorizationCredential, '$1***');

/** Fields whose value is a secret: pino blanks them at the top level and one level down (`req.headers` two). */
const secretKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'agentToken',
  'joinToken',
  'accessToken',
  'password',
  'passwordHash',
  'secret',
  'sessionSecret',
] as const;

/** The paths pino's redact blanks out, like the agent's logger: every secret key, and request/response headers. */
export const redactedPaths = [
  ...secretKeys.flatMap((key) => [`["${key}"]`, `*["${key}"]`]),
  ...secretKeys.flatMap((key) => [`*.headers["${key}"]`, `headers["${key}"]`]),
];

/**
 * The control plane's logger (JSON lines on stdout). Secret fields are blanked (`[redacted]`), and every line
 * passes through redactSecrets: a database URL (or an error quoting one) never shows its password.
 */
export const createLogger = ({
  level,
  destination = pino.destination(1),
}: {
  level: string;
  destination?: pino.DestinationStream;
}): Logger =>
  pino(
    { name: 'kudo-web', level, redact: { paths: redactedPaths, censor: '[redacted]' } },
    { write: (line: string) => destination.write(redactSecrets(line)) },
  );
