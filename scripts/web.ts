/**
 * `npm run web`: the dashboard and control plane for a real deployment (production `next start`).
 * Builds when needed, migrates the database, creates the dashboard accounts at first start (their
 * passwords are printed once), then serves on KUDO_WEB_HOST:KUDO_WEB_PORT until stopped.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  describeGeneratedPasswords,
  getCredentialFile,
  loadCredentials,
  migrateDatabase,
  readEnv,
} from '@kudo/web/scripting';
import { childEnv, readScriptEnv } from './lab-cluster/env.js';
import { ensureWebBuild } from './lab-cluster/web-build.js';

const root = join(import.meta.dirname, '..');
const scriptEnv = readScriptEnv();
const webEnv = readEnv();

await ensureWebBuild({ root, log: (line) => console.log(`  ${line}`) });
// After the build step, which generates the Prisma client the migration loads (a fresh clone has none).
await migrateDatabase({ databaseUrl: webEnv.databaseUrl, from: root });
const credentials = await loadCredentials({
  file: getCredentialFile({ dataDir: webEnv.dataDir }),
  adminPassword: webEnv.KUDO_ADMIN_PASSWORD,
  viewerPassword: webEnv.KUDO_VIEWER_PASSWORD,
  sessionSecret: webEnv.KUDO_SESSION_SECRET,
});
const banner = describeGeneratedPasswords(credentials);
if (banner) console.log(`\n${banner}\n`);

const server = spawn(
  process.execPath,
  [
    join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
    'start',
    '-H',
    scriptEnv.KUDO_WEB_HOST,
    '-p',
    String(scriptEnv.KUDO_WEB_PORT),
  ],
  {
    cwd: join(root, 'apps', 'web'),
    // Paths resolved here, so the server (started in apps/web) uses the same data directory.
    env: childEnv({
      NODE_ENV: 'production',
      KUDO_DATA_DIR: webEnv.dataDir,
      DATABASE_URL: webEnv.databaseUrl,
    }),
    stdio: 'inherit',
  },
);
console.log(
  `[kudo] dashboard on http://${scriptEnv.KUDO_WEB_HOST}:${scriptEnv.KUDO_WEB_PORT} (data in ${webEnv.dataDir})`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.kill(signal));
server.once('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
