/**
 * This process's count of agent-certificate revocations written, for the agent connections' checks: a
 * kept-alive connection whose certificate was last found not revoked by a lookup that began at the current
 * count needs no new lookup before its next request. Every write that revokes a certificate moves the
 * count on (`markRevocation`) just before and just after its statement, so no lookup begun before the
 * write's outcome could be seen vouches for a connection afterwards.
 *
 * On SQLite (one control plane) a lookup begun after the write waits for the write's transaction to end
 * and reads its outcome (db/transaction-isolation.test.ts), so this is exact there. Replicas on PostgreSQL
 * revoke in other processes, which this count does not see: they look the certificate up before every
 * request (runtime.ts passes the count only on SQLite).
 *
 * One count per process, on globalThis: Next.js compiles the route handlers and the runtime started by
 * instrumentation.ts into separate bundles, each with its own copy of this module.
 */
const holder = globalThis as typeof globalThis & { kudoRevocationEpoch?: { value: number } };
holder.kudoRevocationEpoch ??= { value: 0 };
const epoch = holder.kudoRevocationEpoch;

/** The count now: a lookup records it when it begins. */
export const readRevocationEpoch = () => epoch.value;

/** Called by every write that revokes an agent certificate, before and after its statement. */
export const markRevocation = () => {
  epoch.value += 1;
};

/** Runs a revoking write with the count moved on around it (also when it fails: it may have committed). */
export const runRevocation = async <T>({ write }: { write: () => Promise<T> }) => {
  markRevocation();
  try {
    return await write();
  } finally {
    markRevocation();
  }
};
