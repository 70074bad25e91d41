/**
 * `@kudo/web/scripting`: what the repository's scripts (`npm run web`, `npm start`'s lab cluster) use of the
 * control plane, so that they reach it through this one entry and not through its inner paths.
 */
import type { migrateDatabase as migrate } from './server/db/migrate-database.js';
import type { createAdmin as create, setUpUsers as setUp } from './server/users/user-setup.js';

export { readEnv } from './env.js';
export { findFreePort, waitUntilAnswering } from './launcher/next-server.js';
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

/**
 * The dashboard's users at a script's start (see users/user-setup.ts), loaded on the first call like
 * migrateDatabase (the Prisma client).
 */
export const setUpUsers = async (options: Parameters<typeof setUp>[0]) => {
  const { setUpUsers: run } = await import('./server/users/user-setup.js');
  return run(options);
};

/** `create-admin NAME`: an admin with a one-time password (loaded on the first call, like migrateDatabase). */
export const createAdmin = async (options: Parameters<typeof create>[0]) => {
  const { createAdmin: run } = await import('./server/users/user-setup.js');
  return run(options);
};

export { describeNoUsers, describeOneTimePassword } from './server/users/describe-users.js';
