import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLab, type Lab, type LabNode } from '@kudo/netcore/lab';
import { ping, request, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { createCertificateAuthority, createIssuedKeyPair } from '@kudo/pki';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ensureAgentBundle } from '../../../../../scripts/lab-cluster/agent-bundle.js';
import { spawnAgentJoin } from '../../../../../scripts/lab-cluster/agent-join.js';
import { type ApiClient, createApiClient, signIn } from '../../../../../scripts/lab-cluster/api-client.js';
import {
  type LabControlPlane,
  startLabControlPlane,
} from '../../../../../scripts/lab-cluster/control-plane.js';
import { joinLabNode } from '../../../../../scripts/lab-cluster/lab-cluster.js';
import { ensureWebBuild } from '../../../../../scripts/lab-cluster/web-build.js';
import { findFreePort } from '../../../../../scripts/lab-cluster/web-server.js';
import { migrateDatabase } from '../../scripting.js';
import { createDatabase } from '../db/database.js';
import { openClusterAuthority } from '../pki/cluster-authority.js';
import { probeFrom, startCapture } from '../testing/wire-probes.js';

const root = resolve(import.meta.dirname, '..', '..', '..', '..', '..');

/**
 * Real machines, as an admin sets them up: "machines" are namespaces on a lab underlay; the control plane
 * (production build, HTTPS front) runs on one of them; on two others the packaged agent, copied out of the
 * repository and run with plain node in the machine's own namespace (no --host-namespace), joins with
 * a one-time token over TLS. A third machine tries the joins that must fail. The underlay is captured
 * from before the first byte, and the secrets are looked for in the capture at the end.
 */
describeWithNamespaces('real machines: the packaged agent joins the control plane over TLS', () => {
  let directory: string;
  let bundle: string;
  let dataDir: string;
  let lab: Lab;
  let controlPlane: LabControlPlane | undefined;
  let capture: Awaited<ReturnType<typeof startCapture>> | undefined;
  let api: ApiClient;
  let caCertificatePem: string;
  const stops: (() => Promise<unknown>)[] = [];
  /** Everything that must never cross the underlay in the clear. */
  const secrets: { name: string; value: string }[] = [];
  const joined: { node: LabNode; url: string; adminToken: string }[] = [];

  const machine = (index: number) => {
    const node = lab.nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };
  const newToken = async (description: string) => {
    const created = await api.joinToken.create.mutate({ description });
    secrets.push({ name: `join token (${description})`, value: created.token });
    return created;
  };
  /** A join from the third machine that must be refused: its output, exit code and saved files. */
  const attemptJoin = async ({ token, caHash }: { token: string; caHash: string }) => {
    const node = machine(2);
    const configDir = join(directory, `attempt-${randomBytes(3).toString('hex')}`);
    const agent = spawnAgentJoin({
      request: {
        bundle,
        machine: { namespace: node.namespace, ipAddr: node.externalIpAddr },
        server: controlPlane?.server ?? '',
        token,
        caHash,
        nodeId: node.name,
        configDir,
        namespacePrefix: node.namespace,
      },
      logFile: join(directory, 'attempts.log'),
    });
    const outcome = await agent.outcome;
    await agent.stop();
    return { outcome, saved: await readdir(configDir).catch(() => []) };
  };
  const nodeIds = async () => (await api.node.list.query()).map((node) => node.id).sort();

  beforeAll(async () => {
    await ensureWebBuild({ root, log: () => undefined });
    directory = await mkdtemp(join(tmpdir(), 'kudo-machines-'));
    bundle = join(directory, 'kudo-agent.mjs');
    await copyFile(await ensureAgentBundle({ root, log: () => undefined }), bundle);
    dataDir = join(directory, 'control-plane');
    await mkdir(dataDir, { mode: 0o700 });
    lab = await createLab({
      prefix: `${inject('runPrefix')}-m${randomBytes(2).toString('hex')}`,
      nodeCount: 3,
      hasControlPlane: true,
    });
    capture = await startCapture({
      namespace: lab.underlay.namespace,
      interfaceName: lab.underlay.bridgeName,
      file: join(directory, 'underlay.pcap'),
    });
    const databaseUrl = `file:${join(dataDir, 'kudo.db')}`;
    await migrateDatabase({ databaseUrl, from: root });
    const adminPassword = randomBytes(12).toString('base64url');
    if (!lab.controlPlane) throw new Error('the lab has no control plane machine');
    controlPlane = await startLabControlPlane({
      root,
      machine: lab.controlPlane,
      dataDir,
      host: '127.0.0.1',
      port: await findFreePort(),
      webEnv: {
        KUDO_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        KUDO_ADMIN_PASSWORD: adminPassword,
        KUDO_VIEWER_PASSWORD: randomBytes(12).toString('base64url'),
        KUDO_HEALTH_INTERVAL_MS: '0',
        KUDO_COOKIE_SECURE: 'never',
      },
    });
    api = createApiClient({
      baseUrl: controlPlane.url,
      cookie: await signIn({ baseUrl: controlPlane.url, name: 'admin', password: adminPassword }),
    });
    caCertificatePem = (await api.joinToken.ca.query()).caCertificatePem;
    for (const index of [0, 1]) {
      const node = machine(index);
      const result = await joinLabNode({ api, controlPlane, node, bundle, dataDir });
      stops.push(() => result.agent.stop());
      secrets.push(
        { name: `join token of ${node.name}`, value: result.joinToken },
        { name: `bearer token of ${node.name}`, value: result.adminToken },
      );
      joined.push({ node, url: result.agent.url, adminToken: result.adminToken });
    }
  }, 600_000);

  afterAll(async () => {
    try {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await controlPlane?.stop();
      await capture?.stop().catch(() => undefined);
    } finally {
      try {
        await lab?.destroy();
      } finally {
        if (directory) await rm(directory, { recursive: true, force: true });
      }
    }
  }, 120_000);

  it('joined machines are ready, with the certificate their key was made for', async () => {
    expect(await nodeIds()).toEqual(['node1', 'node2']);
    for (const { node } of joined)
      expect(await api.nodeCredentials.get.query({ nodeId: node.name })).toMatchObject({
        certificate: { serialNumber: expect.any(String) },
      });
  });

  it('instances on two machines reach each other, and a port mapping answers the outside client', async () => {
    const [first, second] = joined;
    if (!first || !second) throw new Error('two machines should have joined');
    const web = await api.instance.create.mutate({
      nodeId: first.node.name,
      instanceId: 'web-1',
      ports: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }],
    });
    const peer = await api.instance.create.mutate({
      nodeId: second.node.name,
      instanceId: 'peer-1',
      ports: [],
    });
    expect(web.namespaceName).toMatch(new RegExp(`^${first.node.namespace}-i-web-1-`));
    expect(await ping({ from: web.namespaceName ?? '', to: peer.ipAddr })).toBe(true);
    expect(await ping({ from: peer.namespaceName ?? '', to: web.ipAddr })).toBe(true);

    const server = await startServer({ namespace: web.namespaceName ?? '', port: 80, name: 'web-1' });
    stops.push(server.stop);
    await expect(
      request({ from: lab.outside.namespace, host: first.node.externalIpAddr, port: 8080 }),
    ).resolves.toBe(`hello from web-1 to ${lab.outside.ipAddr}`);
  });

  it("an agent's network address serves TLS only, to the control plane's certificate or the token", async () => {
    const [first] = joined;
    if (!first) throw new Error('a machine should have joined');
    const authority = openClusterAuthority({ directory: dataDir });
    const controlPlaneIdentity = await authority.readClientCredentials();
    const foreignCa = await createCertificateAuthority({ commonName: 'Kudo cluster CA', validityDays: 1 });
    const impostor = await createIssuedKeyPair({
      ca: foreignCa,
      commonName: 'kudo-control-plane',
      usage: 'client',
      validityDays: 1,
    });
    const health = `${first.url}/trpc/health`;
    const wrongToken = randomBytes(24).toString('hex');
    secrets.push({ name: 'a wrong bearer token', value: wrongToken });
    const results = await probeFrom({
      namespace: lab.outside.namespace,
      probes: [
        { url: health, caCertificatePem, identity: controlPlaneIdentity },
        { url: health, caCertificatePem, token: first.adminToken },
        { url: health, caCertificatePem },
        { url: health, caCertificatePem, token: wrongToken },
        { url: health, caCertificatePem, identity: impostor },
        { url: health.replace('https:', 'http:') },
      ],
    });
    expect(results.map((result) => result.status ?? 'no HTTP answer')).toEqual([
      200,
      200,
      401,
      401,
      401,
      'no HTTP answer',
    ]);
    expect(JSON.parse(results[0]?.body ?? '{}')).toMatchObject({
      result: { data: { nodeId: 'node1', hostNamespace: null, apiVersion: 1 } },
    });
  });

  it('a wrong --ca-hash aborts the join: no token sent, nothing saved, nothing registered', async () => {
    const { token } = await newToken('wrong CA hash');
    const { outcome, saved } = await attemptJoin({ token, caHash: `sha256:${'0'.repeat(64)}` });
    expect(outcome).toMatchObject({ isServing: false, exitCode: 2 });
    expect(outcome.isServing ? '' : outcome.output).toContain('--ca-hash');
    expect(saved).toEqual([]);
    expect(await nodeIds()).toEqual(['node1', 'node2']);
    const tokens = await api.joinToken.list.query();
    expect(tokens.find((listed) => listed.description === 'wrong CA hash')?.state).toBe('active');
  });

  it('an expired, a reused and a revoked token are refused, and nothing is registered', async () => {
    const reused = secrets.find((secret) => secret.name === 'join token of node1')?.value ?? '';
    const expired = await newToken('expired');
    const database = createDatabase({ databaseUrl: `file:${join(dataDir, 'kudo.db')}` });
    try {
      await database.joinToken.update({
        where: { id: expired.id },
        data: { expiresAt: new Date(Date.now() - 60_000) },
      });
    } finally {
      await database.$disconnect();
    }
    const revoked = await newToken('revoked');
    await api.joinToken.revoke.mutate({ id: revoked.id });

    for (const { token, reason } of [
      { token: expired.token, reason: /TOKEN_INVALID\): the join token expired/ },
      { token: reused, reason: /TOKEN_INVALID\): the join token was already used \(by node node1\)/ },
      { token: revoked.token, reason: /TOKEN_INVALID\): the join token was revoked/ },
    ]) {
      const { outcome, saved } = await attemptJoin({ token, caHash: expired.caHash });
      expect(outcome).toMatchObject({ isServing: false, exitCode: 2 });
      expect(outcome.isServing ? '' : outcome.output).toMatch(reason);
      expect(saved).toEqual([]);
    }
    expect(await nodeIds()).toEqual(['node1', 'node2']);
  });

  it("a removed node's certificate is refused by the control plane", async () => {
    const [, second] = joined;
    if (!second) throw new Error('two machines should have joined');
    await api.instance.delete.mutate({ instanceId: 'peer-1' });
    await api.node.remove.mutate({ nodeId: second.node.name });
    expect(await nodeIds()).toEqual(['node1']);
    await expect(
      api.node.add.mutate({
        agentUrl: second.url,
        agentToken: second.adminToken,
        externalIpAddr: second.node.externalIpAddr,
      }),
    ).rejects.toThrow(/revoked/);
    expect(await nodeIds()).toEqual(['node1']);
  });

  it('no join token and no bearer token crossed the underlay in the clear', async () => {
    const bytes = (await capture?.stop()) ?? Buffer.alloc(0);
    capture = undefined;
    // The capture saw the traffic: the control plane's address in IP headers, and the one plain HTTP
    // request of these tests (to an agent's TLS port, refused) as the bytes it sent.
    expect(bytes.includes(Buffer.from([198, 51, 100, 2]))).toBe(true);
    expect(bytes.includes(Buffer.from('GET /trpc/health HTTP/1.1'))).toBe(true);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const { name, value } of secrets)
      expect({ name, isOnTheWire: bytes.includes(Buffer.from(value)) }).toEqual({ name, isOnTheWire: false });
  });
});
