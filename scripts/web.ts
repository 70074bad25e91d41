/**
 * `npm run web`: the dashboard and control plane for a real deployment (production `next start`).
 * Builds when needed, migrates the database, prepares the dashboard's users (at the first start on a
 * terminal: the user `admin`, its one-time password printed there, never into a log), then serves on
 * KUDO_WEB_HOST:KUDO_WEB_PORT until stopped. With KUDO_TLS (see apps/web/src/env.ts) it serves HTTPS there,
 * and the dashboard itself listens on loopback behind it.
 * `npm run web -- create-admin NAME`: makes an admin and prints its one-time password (a service's install).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createAdmin,
  describeNoUsers,
  describeOneTimePassword,
  migrateDatabase,
  openClusterAuthority,
  readEnv,
  readServingCredentials,
  setUpUsers,
  startTlsFront,
} from '@kudo/web/scripting';
import { childEnv, readScriptEnv } from './lab-cluster/env.js';
import { ensureWebBuild } from './lab-cluster/web-build.js';
import { findFreePort } from './lab-cluster/web-server.js';

const root = join(import.meta.dirname, '..');
const scriptEnv = readScriptEnv();
const webEnv = readEnv();

await ensureWebBuild({ root, log: (line) => console.log(`  ${line}`) });
// After the build step, which generates the Prisma client the migration loads (a fresh clone has none).
await migrateDatabase({ databaseUrl: webEnv.databaseUrl, from: root });
const [command, name] = process.argv.slice(2);
if (command === 'create-admin') {
  console.log(
    describeOneTimePassword(await createAdmin({ databaseUrl: webEnv.databaseUrl, name: name ?? '' })),
  );
  process.exit(0);
}
if (command !== undefined) throw new Error(`unknown command ${command}: npm run web [-- create-admin NAME]`);
// A terminal is not a log: only there is a first admin's password printed (a service: create-admin).
const users = await setUpUsers({
  databaseUrl: webEnv.databaseUrl,
  dataDir: webEnv.dataDir,
  adminPassword: webEnv.KUDO_ADMIN_PASSWORD,
  viewerPassword: webEnv.KUDO_VIEWER_PASSWORD,
  isFirstAdminShown: process.stdout.isTTY === true,
});
if (users.firstAdmin) console.log(`\n${describeOneTimePassword(users.firstAdmin)}\n`);
else if (!users.hasUsers) console.log(describeNoUsers({ command: 'npm run web --' }));

// With HTTPS, the dashboard listens on a loopback port and the TLS front on KUDO_WEB_HOST:KUDO_WEB_PORT.
const tls = webEnv.tls.mode === 'off' ? undefined : webEnv.tls;
const next = tls
  ? { host: '127.0.0.1', port: await findFreePort() }
  : { host: scriptEnv.KUDO_WEB_HOST, port: scriptEnv.KUDO_WEB_PORT };
const server = spawn(
  process.execPath,
  [
    join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
    'start',
    '-H',
    next.host,
    '-p',
    String(next.port),
  ],
  {
    cwd: join(root, 'apps', 'web'),
    // Paths resolved here, so the server (started in apps/web) uses the same data directory.
    env: childEnv({
      NODE_ENV: 'production',
      KUDO_DATA_DIR: webEnv.dataDir,
      DATABASE_URL: webEnv.databaseUrl,
      // Behind the TLS front the dashboard sees plain HTTP: its session cookie is Secure all the same.
      ...(tls ? { KUDO_COOKIE_SECURE: 'always' } : {}),
    }),
    stdio: 'inherit',
  },
);
if (tls) {
  const authority = openClusterAuthority({ directory: webEnv.dataDir });
  await startTlsFront({
    host: scriptEnv.KUDO_WEB_HOST,
    port: scriptEnv.KUDO_WEB_PORT,
    target: next,
    credentials: await readServingCredentials({ tls, authority }),
  });
  console.log(`[kudo] cluster CA ${await authority.readFingerprint()} (${webEnv.dataDir}/ca.crt)`);
}
console.log(
  `[kudo] dashboard on ${tls ? 'https' : 'http'}://${scriptEnv.KUDO_WEB_HOST}:${scriptEnv.KUDO_WEB_PORT} (data in ${webEnv.dataDir})`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.kill(signal));
server.once('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
