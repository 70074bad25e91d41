import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createCertificateAuthority, createIssuedKeyPair } from '@kudo/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentFetch } from './agent-fetch.js';
import { readRevocationEpoch, runRevocation } from './revocation-epoch.js';

type Seen = { path: string; clientName: string | undefined };

/** An agent stand-in on loopback: HTTPS with a certificate of `ca`, asks for the client's certificate. */
const startAgent = async ({ identity }: { identity: { privateKeyPem: string; certificatePem: string } }) => {
  const handshakes: TLSSocket[] = [];
  const seen: Seen[] = [];
  const server: Server = createServer(
    {
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const commonName = socket.getPeerCertificate().subject?.CN;
      seen.push({ path: req.url ?? '', clientName: Array.isArray(commonName) ? commonName[0] : commonName });
      req.resume();
      req.once('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: { data: req.url } }));
      });
    },
  );
  server.on('secureConnection', (socket) => handshakes.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url, handshakes, seen, close };
};

describe('createAgentFetch', () => {
  let ca: Awaited<ReturnType<typeof createCertificateAuthority>>;
  let agentIdentity: Awaited<ReturnType<typeof createIssuedKeyPair>>;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const revoked = new Set<string>();
  /** Every revocation lookup made, and a hook that runs while one waits for its answer (after its read). */
  let lookups = 0;
  let duringLookup: () => void = () => undefined;
  const createFetch = async ({ isCounted = false }: { isCounted?: boolean } = {}) => {
    const controlPlane = await createIssuedKeyPair({
      ca,
      commonName: 'kudo-control-plane',
      usage: 'client',
      validityDays: 1,
    });
    return createAgentFetch({
      tls: {
        readClientCredentials: async () => ({ caCertificatePem: ca.certificatePem, ...controlPlane }),
        // A slow lookup, as a busy database's: what is written meanwhile would reach a revoked agent.
        isRevoked: async (serialNumber) => {
          lookups += 1;
          // What the database holds when the lookup reads, answered after its round trip.
          const isRevoked = revoked.has(serialNumber);
          await new Promise((resolve) => setTimeout(resolve, 50));
          duringLookup();
          return isRevoked;
        },
        readRevocationEpoch: isCounted ? readRevocationEpoch : undefined,
      },
    });
  };
  const post = ({ send, path }: { send: Awaited<ReturnType<typeof createFetch>>['send']; path: string }) =>
    send(`${agent.url}${path}`, { method: 'POST', headers: {}, body: '{}' }).then(
      async (response) => (await response.json()) as unknown,
    );

  beforeAll(async () => {
    ca = await createCertificateAuthority({ commonName: 'kudo test cluster CA', validityDays: 1 });
    agentIdentity = await createIssuedKeyPair({
      ca,
      commonName: 'node1',
      usage: 'server',
      ipAddresses: ['127.0.0.1'],
      validityDays: 1,
    });
    agent = await startAgent({ identity: agentIdentity });
  });
  afterAll(() => agent.close());

  it('sends calls to one agent on kept-alive connections, with one handshake each, as the control plane', async () => {
    const { send } = await createFetch();
    const before = agent.handshakes.length;
    for (let index = 0; index < 20; index += 1)
      expect(await post({ send, path: `/one-${index}` })).toEqual({ result: { data: `/one-${index}` } });
    expect(agent.handshakes.length - before).toBe(1);
    // A burst opens more, but never more connections than calls, and they are kept for the next burst.
    const burst = () =>
      Promise.all(Array.from({ length: 8 }, (_, index) => post({ send, path: `/burst-${index}` })));
    await burst();
    const afterFirstBurst = agent.handshakes.length;
    expect(afterFirstBurst - before).toBeLessThanOrEqual(8);
    await burst();
    expect(agent.handshakes.length).toBe(afterFirstBurst);
    expect(new Set(agent.seen.map(({ clientName }) => clientName))).toEqual(new Set(['kudo-control-plane']));
  });

  it('refuses an agent whose certificate was revoked, on a kept-alive and on a new connection, before sending', async () => {
    const { send } = await createFetch();
    await post({ send, path: '/before' });
    const requests = agent.seen.length;
    revoked.add(agentIdentity.serialNumber);
    try {
      await expect(post({ send, path: '/kept-alive' })).rejects.toThrow(/was revoked/);
      const { send: fresh } = await createFetch();
      await expect(post({ send: fresh, path: '/new-connection' })).rejects.toThrow(/was revoked/);
      expect(agent.seen.length).toBe(requests);
    } finally {
      revoked.delete(agentIdentity.serialNumber);
    }
  });

  it('with a revocation count: kept-alive calls make no lookup until a revocation is written, and the next call after it is refused before sending', async () => {
    const { send } = await createFetch({ isCounted: true });
    const handshakes = agent.handshakes.length;
    const lookupsBefore = lookups;
    for (let index = 0; index < 5; index += 1) await post({ send, path: `/counted-${index}` });
    // One lookup, at the handshake: the four calls that reused the connection looked nothing up.
    expect(lookups - lookupsBefore).toBe(1);
    expect(agent.handshakes.length - handshakes).toBe(1);
    const requests = agent.seen.length;
    try {
      await runRevocation({ write: async () => revoked.add(agentIdentity.serialNumber) });
      await expect(post({ send, path: '/kept-alive' })).rejects.toThrow(/was revoked/);
      await expect(post({ send, path: '/again' })).rejects.toThrow(/was revoked/);
      expect(agent.seen.length).toBe(requests);
    } finally {
      revoked.delete(agentIdentity.serialNumber);
    }
  });

  it('with a revocation count: a lookup that began before a revocation was written vouches for no later call', async () => {
    const { send } = await createFetch({ isCounted: true });
    await post({ send, path: '/first' });
    // Another certificate's revocation moves the count on: the next call looks up again.
    await runRevocation({ write: async () => undefined });
    // While that lookup waits, this agent's certificate is revoked: the lookup began too early to see it.
    duringLookup = () => {
      duringLookup = () => undefined;
      void runRevocation({ write: async () => revoked.add(agentIdentity.serialNumber) });
    };
    try {
      await post({ send, path: '/raced' });
      const requests = agent.seen.length;
      const lookupsBefore = lookups;
      await expect(post({ send, path: '/after-race' })).rejects.toThrow(/was revoked/);
      expect(lookups - lookupsBefore).toBe(1);
      expect(agent.seen.length).toBe(requests);
    } finally {
      duringLookup = () => undefined;
      revoked.delete(agentIdentity.serialNumber);
    }
  });

  it('refuses an agent whose certificate is not of the cluster CA', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'kudo test cluster CA', validityDays: 1 });
    const impostor = await startAgent({
      identity: await createIssuedKeyPair({
        ca: otherCa,
        commonName: 'node1',
        usage: 'server',
        ipAddresses: ['127.0.0.1'],
        validityDays: 1,
      }),
    });
    try {
      const { send } = await createFetch();
      await expect(send(`${impostor.url}/x`, { method: 'POST', headers: {}, body: '{}' })).rejects.toThrow(
        'unable to verify the first certificate',
      );
      expect(impostor.seen).toEqual([]);
    } finally {
      await impostor.close();
    }
  });
});
