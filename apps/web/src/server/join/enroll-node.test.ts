import { createKeyAndCertificateRequest, readCertificate } from '@kudo/pki';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentGateway } from '../agents/agent-gateway.js';
import { isWebError } from '../errors/web-error.js';
import { isSerialNumberRevoked } from '../pki/agent-certificates.js';
import { renewDueCertificates } from '../pki/node-credentials.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { answerCaRequest, answerJoinRequest } from './join-http.js';
import { hashJoinToken } from './join-token-rules.js';

/**
 * Join tokens and enrolment through the services, with agents faked in memory (the HTTP route and a real
 * agent are in join.integration.test.ts): what is stored, and what each refusal leaves (nothing).
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let plane: ReturnType<typeof createTestControlPlane>;
const fake = createFakeAgentGateway();
// The fake agents live at http://fake-agent.invalid/ID; a joining agent gives an https URL.
const fakeUrlOf = new Map<string, { url: string; token: string }>();
// Fake agents report no API version: these speak the one of a joining agent (node-old an older one).
const apiVersionOf = (url: string) => (url.includes('198.51.100.99') ? 0 : 1);
const gateway: AgentGateway = {
  connect: ({ url, token }) => {
    const connection = fake.gateway.connect(fakeUrlOf.get(url) ?? { url, token });
    return {
      ...connection,
      health: async () => ({ ...(await connection.health()), apiVersion: apiVersionOf(url) }),
    };
  },
};
const agentOf = (nodeId: string, address: string) => {
  const agentUrl = `https://${address}:7443`;
  fakeUrlOf.set(agentUrl, fake.addAgent({ nodeId }));
  return { agentUrl, externalIpAddr: address };
};

const makeToken = async (request: { expiresInMinutes?: number } = {}) =>
  (await plane.admin.joinToken.create({ description: 'test', ...request })).token;

const makeRequest = async ({
  token,
  nodeId,
  address,
}: {
  token: string;
  nodeId: string;
  address: string;
}) => ({
  token,
  nodeId,
  csrPem: (await createKeyAndCertificateRequest({ commonName: nodeId, ipAddresses: [], dnsNames: [] }))
    .csrPem,
  ...agentOf(nodeId, address),
  agentVersion: '0.1.0',
  apiVersion: 1,
});

const refusalOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isWebError(error)) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

const countRegistered = async () => ({
  nodes: await database.db.node.count(),
  certificates: await database.db.agentCertificate.count(),
  pending: await database.db.pendingChange.count(),
});

beforeAll(async () => {
  database = await createTestDatabase();
  plane = createTestControlPlane({ db: database.db, gateway });
});
afterAll(async () => {
  await database?.remove();
});

describe('join tokens', () => {
  it('are stored as their SHA-256 only, and listed with who made them', async () => {
    const created = await plane.admin.joinToken.create({ description: 'rack 3' });
    expect(created.token).toMatch(/^kudo_join_/);
    expect(created.caHash).toBe(await plane.deps.authority.readFingerprint());
    const row = await database.db.joinToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(hashJoinToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeCloseTo(3_600_000, -4);
    const listed = (await plane.admin.joinToken.list()).find(({ id }) => id === created.id);
    expect(listed).toMatchObject({ createdBy: 'alice', description: 'rack 3', state: 'active' });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(JSON.stringify(listed)).not.toContain(row.tokenHash);
  });

  it('are made and revoked by admins only; a viewer reads the list (no token in it), an anonymous caller nothing', async () => {
    await expect(plane.viewer.joinToken.create({})).rejects.toThrow(TRPCError);
    await expect(plane.viewer.joinToken.revoke({ id: 'any' })).rejects.toThrow(/viewer/);
    const token = await makeToken();
    const listed = JSON.stringify(await plane.viewer.joinToken.list());
    expect(listed).not.toContain(token);
    expect(listed).not.toContain(hashJoinToken(token));
    await expect(plane.anonymous.joinToken.list()).rejects.toThrow(/sign in/);
  });
});

describe('enrolment', () => {
  it('registers the node, consumes the token, records the certificate, then sets the node up', async () => {
    const token = await makeToken();
    const request = await makeRequest({ token, nodeId: 'node-a', address: '198.51.100.11' });
    const answer = await plane.services.join.enroll({ request });
    expect(answer.nodeId).toBe('node-a');
    const certificate = readCertificate({ certificatePem: answer.certificatePem });
    expect(certificate).toMatchObject({ commonName: 'node-a', ipAddresses: ['198.51.100.11'] });
    expect(answer.caCertificatePem).toBe(await plane.deps.authority.readCaCertificatePem());
    expect(await database.db.agentCertificate.findMany({ where: { nodeId: 'node-a' } })).toMatchObject([
      { serialNumber: certificate.serialNumber, revokedAt: null },
    ]);
    const used = await database.db.joinToken.findUniqueOrThrow({
      where: { tokenHash: hashJoinToken(token) },
    });
    expect(used).toMatchObject({ usedByNodeId: 'node-a' });
    await answer.registered;
    expect(await database.db.node.findUniqueOrThrow({ where: { id: 'node-a' } })).toMatchObject({
      status: 'ready',
      agentUrl: 'https://198.51.100.11:7443',
      apiVersion: 1,
      versionProblem: null,
    });
    expect(
      fake.callsTo({ url: fakeUrlOf.get(request.agentUrl)?.url ?? '', operation: 'setupNode' }),
    ).toHaveLength(1);
  });

  it('a used token is refused, and nothing is registered', async () => {
    const token = await makeToken();
    await (
      await plane.services.join.enroll({
        request: await makeRequest({ token, nodeId: 'node-b', address: '198.51.100.12' }),
      })
    ).registered;
    const before = await countRegistered();
    const refusal = await refusalOf(
      plane.services.join.enroll({
        request: await makeRequest({ token, nodeId: 'node-c', address: '198.51.100.13' }),
      }),
    );
    expect(refusal).toMatchObject({ code: 'UNAUTHORIZED', field: 'token' });
    expect(refusal.message).toMatch(/already used \(by node node-b\)/);
    expect(await countRegistered()).toEqual(before);
  });

  it('an expired, a revoked and an unknown token are refused, saying which, and nothing is registered', async () => {
    const before = await countRegistered();
    const expired = await makeToken();
    await database.db.joinToken.update({
      where: { tokenHash: hashJoinToken(expired) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const revoked = await plane.admin.joinToken.create({});
    expect((await plane.admin.joinToken.revoke({ id: revoked.id })).state).toBe('revoked');
    const unknown = `kudo_join_${'A'.repeat(43)}`;
    const cases = [
      [expired, /expired/],
      [revoked.token, /revoked/],
      [unknown, /unknown join token/],
    ] as const;
    for (const [token, message] of cases) {
      const refusal = await refusalOf(
        plane.services.join.enroll({
          request: await makeRequest({ token, nodeId: 'node-d', address: '198.51.100.14' }),
        }),
      );
      expect(refusal).toMatchObject({ code: 'UNAUTHORIZED', field: 'token' });
      expect(refusal.message).toMatch(message);
    }
    expect(await countRegistered()).toEqual(before);
    // The token a refusal met is still there to be used (a refusal does not consume it).
    expect((await plane.admin.joinToken.list()).find(({ id }) => id === revoked.id)?.state).toBe('revoked');
  });

  it('a node id or an address already taken is refused, and the token stays unused', async () => {
    const before = await countRegistered();
    const token = await makeToken();
    const taken = await refusalOf(
      plane.services.join.enroll({
        request: await makeRequest({ token, nodeId: 'node-a', address: '198.51.100.15' }),
      }),
    );
    expect(taken).toMatchObject({ code: 'CONFLICT', field: 'nodeId' });
    const address = await refusalOf(
      plane.services.join.enroll({
        request: await makeRequest({ token, nodeId: 'node-e', address: '198.51.100.11' }),
      }),
    );
    expect(address.code).toBe('CONFLICT');
    expect(['agentUrl', 'externalIpAddr']).toContain(address.field);
    expect(await countRegistered()).toEqual(before);
    const row = await database.db.joinToken.findUniqueOrThrow({ where: { tokenHash: hashJoinToken(token) } });
    expect(row.usedAt).toBeNull();
  });

  it('a malformed request or certificate request is refused naming the field', async () => {
    const token = await makeToken();
    const request = await makeRequest({ token, nodeId: 'node-f', address: '198.51.100.16' });
    expect(
      await refusalOf(plane.services.join.enroll({ request: { ...request, csrPem: 'nonsense' } })),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'csrPem',
    });
    expect(
      await refusalOf(
        plane.services.join.enroll({ request: { ...request, agentUrl: 'http://198.51.100.16:7070' } }),
      ),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'agentUrl' });
    expect(
      await refusalOf(plane.services.join.enroll({ request: { ...request, apiVersion: 2 } })),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'apiVersion',
    });
    expect(
      await refusalOf(plane.services.join.enroll({ request: { ...request, token: 'x' } })),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'token',
    });
    expect(await database.db.node.findUnique({ where: { id: 'node-f' } })).toBeNull();
  });

  it('a used token cannot be revoked', async () => {
    const created = await plane.admin.joinToken.create({});
    await (
      await plane.services.join.enroll({
        request: await makeRequest({ token: created.token, nodeId: 'node-g', address: '198.51.100.17' }),
      })
    ).registered;
    await expect(plane.admin.joinToken.revoke({ id: created.id })).rejects.toThrow(
      /already used by node node-g/,
    );
  });

  it('an agent that turns out to speak another API version is not driven, and its node says why', async () => {
    const answer = await plane.services.join.enroll({
      request: await makeRequest({ token: await makeToken(), nodeId: 'node-old', address: '198.51.100.99' }),
    });
    await answer.registered;
    const node = await database.db.node.findUniqueOrThrow({ where: { id: 'node-old' } });
    expect(node).toMatchObject({ status: 'degraded', apiVersion: 0 });
    expect(node.versionProblem).toMatch(/speaks API version 0; this control plane speaks 1/);
    expect(node.statusReason).toBe(node.versionProblem);
    expect(
      fake.callsTo({ url: fakeUrlOf.get('https://198.51.100.99:7443')?.url ?? '', operation: 'setupNode' }),
    ).toEqual([]);
  });
});

describe('the join endpoints', () => {
  const post = async (body: unknown) => {
    const response = await answerJoinRequest({
      services: plane.services,
      request: new Request('https://control-plane.test/api/join', {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('GET /api/join/ca answers the CA certificate whose fingerprint the join command carries', async () => {
    const response = await answerCaRequest({ services: plane.services });
    expect(await response.json()).toEqual({
      caCertificatePem: await plane.deps.authority.readCaCertificatePem(),
    });
  });

  it('POST /api/join answers the certificate, then refuses the same token with 401 TOKEN_INVALID', async () => {
    const request = await makeRequest({
      token: await makeToken(),
      nodeId: 'node-h',
      address: '198.51.100.18',
    });
    const joined = await post(request);
    expect(joined.status).toBe(200);
    expect(Object.keys(joined.body).sort()).toEqual([
      'caCertificatePem',
      'certificatePem',
      'nodeId',
      'notAfter',
    ]);
    expect(joined.body.nodeId).toBe('node-h');
    const again = await post({ ...request, nodeId: 'node-i' });
    expect(again).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_INVALID', field: 'token' } } });
  });

  it('POST /api/join refuses a taken node id (409 NODE_ID_TAKEN), a taken address (409 ADDRESS_TAKEN), bad input (400)', async () => {
    const token = await makeToken();
    expect(
      await post(await makeRequest({ token, nodeId: 'node-a', address: '198.51.100.19' })),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'NODE_ID_TAKEN', field: 'nodeId' } },
    });
    expect(
      await post(await makeRequest({ token, nodeId: 'node-j', address: '198.51.100.11' })),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'ADDRESS_TAKEN' } },
    });
    expect(await post('not json')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', field: 'token' } },
    });
    expect(await database.db.node.findUnique({ where: { id: 'node-j' } })).toBeNull();
  });
});

describe('certificate life', () => {
  const certificatesOf = (nodeId: string) =>
    database.db.agentCertificate.findMany({ where: { nodeId }, orderBy: { createdAt: 'asc' } });

  it('an admin rotates a node: a new key on the node, a new certificate installed, the old one revoked', async () => {
    const [before] = await certificatesOf('node-a');
    const rotated = await plane.admin.nodeCredentials.rotate({ nodeId: 'node-a' });
    expect(rotated.certificate?.serialNumber).not.toBe(before?.serialNumber);
    expect(await isSerialNumberRevoked({ db: database.db, serialNumber: before?.serialNumber ?? '' })).toBe(
      true,
    );
    const installed = fake.callsTo({
      url: fakeUrlOf.get('https://198.51.100.11:7443')?.url ?? '',
      operation: 'credentials.install',
    });
    expect(installed).toHaveLength(1);
    await expect(plane.viewer.nodeCredentials.rotate({ nodeId: 'node-a' })).rejects.toThrow(/viewer/);
    expect((await plane.viewer.nodeCredentials.get({ nodeId: 'node-a' })).certificate?.serialNumber).toBe(
      rotated.certificate?.serialNumber,
    );
  });

  it('a certificate with less than a third of its lifetime left is renewed; the others are not', async () => {
    const [current] = await certificatesOf('node-h');
    const now = new Date();
    await database.db.agentCertificate.update({
      where: { serialNumber: current?.serialNumber ?? '' },
      data: {
        notBefore: new Date(now.getTime() - 80 * 86_400_000),
        notAfter: new Date(now.getTime() + 10 * 86_400_000),
      },
    });
    expect(await renewDueCertificates({ deps: plane.deps, now })).toEqual({ renewed: 1, due: 1 });
    const after = await plane.services.credentials.get({ nodeId: 'node-h' });
    expect(after.certificate?.serialNumber).not.toBe(current?.serialNumber);
    expect(after.certificate?.isRenewalDue).toBe(false);
  });

  it('removing a node revokes its certificate', async () => {
    const certificates = await certificatesOf('node-g');
    expect(certificates.length).toBeGreaterThan(0);
    await plane.admin.node.remove({ nodeId: 'node-g', force: true });
    for (const { serialNumber } of certificates)
      expect(await isSerialNumberRevoked({ db: database.db, serialNumber })).toBe(true);
  });
});
