import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/test-database.js';
import {
  isSerialNumberRevoked,
  revokeAgentCertificate,
  revokeAgentCertificates,
} from './agent-certificates.js';
import { readRevocationEpoch } from './revocation-epoch.js';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * What the agent connections rely on when they skip a lookup on SQLite (agent-fetch.ts): every revoking
 * write moves this process's revocation count on, and a lookup begun once it has, while the revoking
 * transaction is still open, answers with its outcome.
 */
describe('agent certificate revocation on SQLite', () => {
  let database: TestDatabase;
  const addCertificate = ({ serialNumber, nodeId }: { serialNumber: string; nodeId: string }) =>
    database.db.agentCertificate.create({
      data: { serialNumber, nodeId, notBefore: new Date(0), notAfter: new Date(Date.now() + 86_400_000) },
    });

  beforeAll(async () => {
    database = await createTestDatabase({ provider: 'sqlite' });
  }, 60_000);
  afterAll(() => database?.remove());

  it("moves the count on for a node's certificates, and a lookup begun in the open transaction reads the commit", async () => {
    await addCertificate({ serialNumber: 'AA01', nodeId: 'node-a' });
    const before = readRevocationEpoch();
    let lookup: Promise<boolean> | undefined;
    await database.db.$transaction(async (tx) => {
      await revokeAgentCertificates({ db: tx, nodeId: 'node-a', reason: 'the node was removed' });
      expect(readRevocationEpoch()).toBeGreaterThan(before);
      lookup = isSerialNumberRevoked({ db: database.db, serialNumber: 'AA01' });
      // Still open: the lookup waits for it instead of reading the state before it.
      await tx.node.count();
    });
    expect(await lookup).toBe(true);
  });

  it('moves the count on for one certificate, also when the write fails', async () => {
    await addCertificate({ serialNumber: 'AA02', nodeId: 'node-b' });
    const before = readRevocationEpoch();
    await revokeAgentCertificate({ db: database.db, serialNumber: 'AA02', reason: 'never installed' });
    expect(readRevocationEpoch()).toBeGreaterThan(before);
    expect(await isSerialNumberRevoked({ db: database.db, serialNumber: 'AA02' })).toBe(true);
    const beforeFailure = readRevocationEpoch();
    await expect(
      revokeAgentCertificate({ db: database.db, serialNumber: 'NOPE', reason: 'never installed' }),
    ).rejects.toThrow();
    expect(readRevocationEpoch()).toBeGreaterThan(beforeFailure);
  });
});
