import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import {
  generatePassword,
  hashPassword,
  isPasswordCorrect,
  toStoredPassword,
} from '../auth/password-hash.js';
import type { Database } from '../db/database.js';

/** The accounts of an `auth.json` from before named users (issue 6): scrypt hashes with node's defaults. */
const ZLegacyCredentialFile = z.object({
  accounts: z.object({
    admin: z
      .object({ salt: z.string().regex(/^[0-9a-f]+$/), hash: z.string().regex(/^[0-9a-f]+$/) })
      .optional(),
    viewer: z
      .object({ salt: z.string().regex(/^[0-9a-f]+$/), hash: z.string().regex(/^[0-9a-f]+$/) })
      .optional(),
  }),
});

const isUniqueViolation = (error: unknown) => (error as { code?: unknown }).code === 'P2002';

/** Creates a user unless the name is taken (by another replica starting at the same time, say). */
const createUnlessTaken = async ({
  db,
  data,
}: {
  db: Database;
  data: { name: string; role: string; passwordHash: string; passwordParams: string };
}) => {
  try {
    await db.user.create({ data, select: { id: true } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
};

/**
 * Once: the `admin` and `viewer` accounts of an earlier version's `auth.json` become users (with the same
 * passwords); the file is then renamed `auth.json.migrated`. Answers the names migrated.
 */
export const migrateLegacyAccounts = async ({ db, file }: { db: Database; file: string }) => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = ZLegacyCredentialFile.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file} is not a credential file of an earlier version; move it away`);
  const migrated: string[] = [];
  for (const name of ['admin', 'viewer'] as const) {
    const account = parsed.data.accounts[name];
    if (!account) continue;
    if (await createUnlessTaken({ db, data: { name, role: name, ...toStoredPassword(account) } }))
      migrated.push(name);
  }
  await rename(file, `${file}.migrated`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return migrated;
};

/**
 * KUDO_ADMIN_PASSWORD / KUDO_VIEWER_PASSWORD (tests, automation): the `admin` (role admin) and `viewer`
 * (role viewer) users get that password: created if missing, re-hashed only when it changed (so a restart
 * signs nobody out). Answers the names created or changed.
 */
export const seedEnvAccounts = async ({
  db,
  adminPassword,
  viewerPassword,
}: {
  db: Database;
  adminPassword?: string;
  viewerPassword?: string;
}) => {
  const seeded: string[] = [];
  for (const [name, password] of [
    ['admin', adminPassword],
    ['viewer', viewerPassword],
  ] as const) {
    if (password === undefined) continue;
    const user = await db.user.findUnique({
      where: { name },
      select: { id: true, passwordHash: true, passwordParams: true },
    });
    const { passwordHash, passwordParams } = user ?? {};
    if (
      passwordHash &&
      passwordParams &&
      (await isPasswordCorrect({ password, stored: { passwordHash, passwordParams } }))
    )
      continue;
    const stored = await hashPassword({ password });
    if (user) await db.user.update({ where: { id: user.id }, data: stored });
    else if (!(await createUnlessTaken({ db, data: { name, role: name, ...stored } }))) continue;
    seeded.push(name);
  }
  return seeded;
};

/**
 * At the first start (no user at all): the user `admin` with a generated password, answered once to be
 * printed on a console (never a log). Undefined when there are users already (or another process made it).
 */
export const createFirstAdmin = async ({ db }: { db: Database }) => {
  if ((await db.user.count()) > 0) return undefined;
  const password = generatePassword();
  const isCreated = await createUnlessTaken({
    db,
    data: { name: 'admin', role: 'admin', ...(await hashPassword({ password })) },
  });
  return isCreated ? { name: 'admin', password } : undefined;
};
