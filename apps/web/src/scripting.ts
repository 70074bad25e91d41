/**
 * `@kudo/web/scripting`: what the repository's scripts (`npm run web`, `npm start`'s lab cluster) use of the
 * control plane, so that they reach it through this one entry and not through its inner paths.
 */
import type { migrateDatabase as migrate } from './server/db/migrate-database.js';

export { readEnv } from './env.js';
export { findFreePort, waitUntilAnswering } from './launcher/next-server.js';
export { getCredentialFile } from './server/auth/auth.js';
export { describeGeneratedPasswords, loadCredentials } from './server/auth/credentials.js';
export { readServingCredentials, startTlsFront } from './server/http/tls-front.js';
export { openClusterAuthority } from './server/pki/cluster-authority.js';
export type { AppRouter } from './server/trpc/root.js';

/**
 * Applies the Prisma migrations to a database. The migration code is loaded on the first call, not when
 * this entry is imported: it needs the Prisma client, which a fresh clone has only after the build step.
 */
export const migrateDatabase = async (options: Parameters<typeof migrate>[0]) => {
  const { migrateDatabase: run } = await import('./server/db/migrate-database.js');
  return run(options);
};
