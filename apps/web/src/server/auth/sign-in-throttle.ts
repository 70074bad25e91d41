import type { Database } from '../db/database.js';
import { isOwnAddress } from './client-address.js';
import {
  accountLimits,
  addressLimits,
  countAttempt,
  readBlockMs,
  type ThrottleLimits,
} from './throttle-rules.js';

const throttleSelect = { key: true, failures: true, blockedUntil: true, updatedAt: true } as const;

/** Compare-and-set attempts before a busy key counts as blocked for a second. */
const maxRaces = 20;

/**
 * Counts one attempt against a key in the database (so every replica sees it), unless the key is blocked:
 * answers 0 when the attempt may go on, else the milliseconds to wait. Compare-and-set on `failures`, so
 * of many parallel attempts each counts once and those beyond the free ones find the block.
 */
const claimAttempt = async ({
  db,
  key,
  limits,
  now,
}: {
  db: Database;
  key: string;
  limits: ThrottleLimits;
  now: Date;
}): Promise<number> => {
  for (let race = 0; race < maxRaces; race += 1) {
    const state = await db.signInThrottle.findUnique({ where: { key }, select: throttleSelect });
    const blockMs = readBlockMs({ state, now });
    if (blockMs > 0) return blockMs;
    const next = countAttempt({ state, limits, now });
    if (!state) {
      const created = await db.signInThrottle
        .create({ data: { key, ...next }, select: { key: true } })
        .catch(() => undefined);
      if (created) return 0;
      continue;
    }
    const { count } = await db.signInThrottle.updateMany({
      where: { key, failures: state.failures, updatedAt: state.updatedAt },
      data: next,
    });
    if (count === 1) return 0;
  }
  return 1_000;
};

/** The address's throttle key, when failures count against it (not for this machine's own addresses). */
const toAddressKey = (clientAddress: string | undefined) =>
  clientAddress && !isOwnAddress(clientAddress) ? `address:${clientAddress}` : undefined;

const toKeys = ({ name, clientAddress }: { name: string; clientAddress?: string }) => {
  const addressKey = toAddressKey(clientAddress);
  return [
    ...(addressKey ? [{ key: addressKey, limits: addressLimits }] : []),
    { key: `account:${name}`, limits: accountLimits },
  ];
};

/**
 * Counts a sign-in attempt per client address and per account name: answers 0 when its password may be
 * checked, else how long to wait (the same for names that exist and names that do not).
 */
export const claimSignInAttempt = async ({
  db,
  name,
  clientAddress,
  now = new Date(),
}: {
  db: Database;
  name: string;
  clientAddress?: string;
  now?: Date;
}) => {
  for (const { key, limits } of toKeys({ name, clientAddress })) {
    const blockMs = await claimAttempt({ db, key, limits, now });
    if (blockMs > 0) return blockMs;
  }
  return 0;
};

/**
 * After a right password: the account's count starts over, and the attempt no longer counts against the
 * address (whose other failures are forgotten only with time, so signing in to one's own account between
 * guesses at others does not help).
 */
export const clearSignInAttempt = async ({
  db,
  name,
  clientAddress,
}: {
  db: Database;
  name: string;
  clientAddress?: string;
}) => {
  await db.signInThrottle.deleteMany({ where: { key: `account:${name}` } });
  const key = toAddressKey(clientAddress);
  if (!key) return;
  const state = await db.signInThrottle.findUnique({ where: { key }, select: throttleSelect });
  if (!state) return;
  const failures = Math.max(0, state.failures - 1);
  await db.signInThrottle.updateMany({
    where: { key, failures: state.failures },
    data: { failures, ...(failures < addressLimits.freeAttempts ? { blockedUntil: null } : {}) },
  });
};
