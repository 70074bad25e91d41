/**
 * `node kudo-control-plane.mjs`: the packaged control plane (apps/web/dist/kudo-control-plane/, made by
 * `npm run build`), run with plain node 20+ from wherever it was copied (/opt/kudo/control-plane). It reads
 * the environment `npm run web` reads, migrates the database (SQLite with the package's migrations/,
 * PostgreSQL with its postgresql/migrations/, both through the one runner, run-migrations.ts), creates the
 * cluster CA at the first start (its fingerprint printed at every start), then runs the standalone Next.js
 * server: on KUDO_WEB_HOST:KUDO_WEB_PORT, or with KUDO_TLS on a loopback port behind the TLS front there.
 * SIGTERM or SIGINT stops both; it exits with the server's code. `create-admin NAME` makes a dashboard
 * admin instead and prints its one-time password on the console (never in a log).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackagedMigrations, runMigrations } from '../server/db/run-migrations.js';
import { readServingCredentials, startTlsFront } from '../server/http/tls-front.js';
import { redactSecrets } from '../server/logger.js';
import { openClusterAuthority } from '../server/pki/cluster-authority.js';
import { countUsersWithSql, createAdminWithSql } from '../server/users/create-admin-sql.js';
import { describeNoUsers, describeOneTimePassword } from '../server/users/describe-users.js';
import { childEnv, readLauncherEnv } from './env.js';
import { findFreePort, startNextServer } from './next-server.js';

const packageDir = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => console.log(`[kudo] ${line}`);

const run = async () => {
  const { web, host, port } = readLauncherEnv();
  const migrations = findPackagedMigrations({ databaseUrl: web.databaseUrl, packageDir });
  const { applied } = await runMigrations({ databaseUrl: web.databaseUrl, directory: migrations });
  // `node kudo-control-plane.mjs create-admin NAME`, run by hand: the password shows on that console only.
  const [command, name] = process.argv.slice(2);
  if (command === 'create-admin') {
    console.log(
      describeOneTimePassword(await createAdminWithSql({ databaseUrl: web.databaseUrl, name: name ?? '' })),
    );
    return 0;
  }
  if (command !== undefined)
    throw new Error(`unknown command ${command}: kudo-control-plane.mjs [create-admin NAME]`);
  log(
    // The URL as the logger would write it: a password in it never reaches the journal.
    `database ${redactSecrets(web.databaseUrl)}: ${applied.length > 0 ? `migrations applied: ${applied.join(', ')}` : 'up to date'}`,
  );
  // A service's first start: no password is made here (stdout is the journal); the admin runs create-admin.
  if ((await countUsersWithSql({ databaseUrl: web.databaseUrl })) === 0)
    log(describeNoUsers({ command: 'node kudo-control-plane.mjs' }));
  const authority = openClusterAuthority({ directory: web.dataDir });
  log(`cluster CA ${await authority.readFingerprint()} (${join(web.dataDir, 'ca.crt')})`);

  // With HTTPS the dashboard listens on a loopback port and the TLS front on KUDO_WEB_HOST:KUDO_WEB_PORT.
  const tls = web.tls.mode === 'off' ? undefined : web.tls;
  const servingCredentials = tls ? await readServingCredentials({ tls, authority }) : undefined;
  const target = tls ? { host: '127.0.0.1', port: await findFreePort() } : { host, port };
  const server = startNextServer({
    serverFile: join(packageDir, 'apps', 'web', 'server.js'),
    ...target,
    env: childEnv({
      NODE_ENV: 'production',
      // Resolved here: the server runs in its own directory and must use the same data.
      KUDO_DATA_DIR: web.dataDir,
      DATABASE_URL: web.databaseUrl,
      KUDO_MIGRATIONS_DIR: migrations,
      // Behind the TLS front the dashboard sees plain HTTP: its session cookie is Secure all the same.
      ...(tls ? { KUDO_COOKIE_SECURE: 'always' } : {}),
    }),
  });
  let front: Awaited<ReturnType<typeof startTlsFront>> | undefined;
  let isStopping = false;
  const stop = async () => {
    isStopping = true;
    // The front stops accepting; its open connections end with the server behind them.
    const closed = front?.close();
    await server.stop();
    await closed;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (isStopping) return;
      log(`${signal}: stopping`);
      void stop();
    });

  try {
    await server.ready;
    if (servingCredentials)
      front = await startTlsFront({ host, port, target, credentials: servingCredentials });
  } catch (error) {
    const wasStopped = isStopping;
    await stop();
    if (wasStopped) return 0;
    throw error;
  }
  log(`dashboard on ${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const code = await server.exited;
  // Stopped by a signal: a clean end, whatever the server's code (Next exits with 143 on SIGTERM). Ended by
  // itself: a failure, even with code 0 (systemd then starts it again).
  const wasStopped = isStopping;
  await stop();
  return wasStopped ? 0 : code || 1;
};

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[kudo] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
