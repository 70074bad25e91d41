import { getCredentialFile } from '../auth/auth.js';
import { generatePassword } from '../auth/password-hash.js';
import { createDatabase, type Database } from '../db/database.js';
import { createUserWithPassword } from './manage-users.js';
import { createFirstAdmin, migrateLegacyAccounts, seedEnvAccounts } from './seed-users.js';
import { ZUserName } from './user-requests.js';

/**
 * At every start: an earlier version's auth.json migrated (once), the KUDO_ADMIN_PASSWORD /
 * KUDO_VIEWER_PASSWORD accounts seeded (re-hashed only when changed). Answers what it did and whether any
 * user exists.
 */
export const prepareUsers = async ({
  db,
  dataDir,
  adminPassword,
  viewerPassword,
}: {
  db: Database;
  dataDir: string;
  adminPassword?: string;
  viewerPassword?: string;
}) => {
  const migrated = await migrateLegacyAccounts({ db, file: getCredentialFile({ dataDir }) });
  const seeded = await seedEnvAccounts({ db, adminPassword, viewerPassword });
  return { migrated, seeded, hasUsers: (await db.user.count()) > 0 };
};

const withDatabase = async <T>(databaseUrl: string, work: (db: Database) => Promise<T>) => {
  const db = createDatabase({ databaseUrl });
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
  }
};

/**
 * A script's start (database migrated): users prepared; with `isFirstAdminShown` (an interactive console),
 * the user `admin` made when there is none, its one-time password answered to be printed there.
 */
export const setUpUsers = (options: {
  databaseUrl: string;
  dataDir: string;
  adminPassword?: string;
  viewerPassword?: string;
  isFirstAdminShown: boolean;
}) =>
  withDatabase(options.databaseUrl, async (db) => {
    const prepared = await prepareUsers({ db, ...options });
    const firstAdmin = options.isFirstAdminShown ? await createFirstAdmin({ db }) : undefined;
    return { ...prepared, hasUsers: prepared.hasUsers || firstAdmin !== undefined, firstAdmin };
  });

/** `create-admin NAME`: an admin with a one-time password, answered to be printed on the console. */
export const createAdmin = ({ databaseUrl, name }: { databaseUrl: string; name: string }) =>
  withDatabase(databaseUrl, async (db) => {
    const parsed = ZUserName.safeParse(name);
    if (!parsed.success) throw new Error(`NAME: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const password = generatePassword();
    await createUserWithPassword({ deps: { db }, name: parsed.data, role: 'admin', password });
    return { name: parsed.data, password };
  });
