import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIssuedKeyPair, fingerprintCertificate, signCertificateRequest } from '@kudo/pki';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestCluster, requestAgent } from '../tls/test-cluster.js';
import { readAgentConfig } from './agent-config.js';
import { type JoinClusterOptions, joinCluster } from './join-cluster.js';
import { serveFromConfig } from './serve-from-config.js';

const silent = pino({ level: 'silent' });

const findFreePort = () =>
  new Promise<number>((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: { code?: string; field?: string; message: string }) => ({
      code: error.code,
      field: error.field,
      message: error.message,
    }),
  );

/** `join` against a stand-in control plane that speaks the join contract (docs/security.md). */
describe('join', async () => {
  const cluster = await createTestCluster();
  const serving = await createIssuedKeyPair({
    ca: cluster.ca,
    commonName: 'control-plane',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    validityDays: 30,
  });
  const caHash = fingerprintCertificate({ certificatePem: cluster.ca.certificatePem });
  const joinBodies: Record<string, unknown>[] = [];
  let controlPlane: Server;
  let server: string;
  let directory: string;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    controlPlane = createServer({ key: serving.privateKeyPem, cert: serving.certificatePem }, (req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/api/join/ca')
        return send(200, { caCertificatePem: cluster.ca.certificatePem });
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>;
        joinBodies.push(body);
        if (body.token !== 'kudo_join_good')
          return send(401, {
            error: { code: 'TOKEN_INVALID', field: 'token', message: 'the token has expired' },
          });
        if (body.nodeId === 'taken')
          return send(409, {
            error: { code: 'NODE_ID_TAKEN', field: 'nodeId', message: 'node id taken is in use' },
          });
        const nodeId = body.nodeId ?? 'node-auto';
        const issued = await signCertificateRequest({
          ca: cluster.ca,
          csrPem: body.csrPem ?? '',
          commonName: nodeId,
          ipAddresses: [body.externalIpAddr ?? ''],
          usage: 'server',
          validityDays: 30,
        });
        send(200, {
          nodeId,
          certificatePem: issued.certificatePem,
          caCertificatePem: cluster.ca.certificatePem,
          notAfter: issued.notAfter.toISOString(),
        });
      });
    });
    await new Promise<void>((resolve) => controlPlane.listen(0, '127.0.0.1', resolve));
    server = `https://127.0.0.1:${(controlPlane.address() as { port: number }).port}`;
  });
  /** Every scratch directory a test made (a test may ask for options more than once). */
  const directories: string[] = [];
  afterEach(async () => {
    try {
      for (const stop of stops.splice(0)) await stop();
    } finally {
      for (const made of directories.splice(0)) await rm(made, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await new Promise((resolve) => controlPlane?.close(resolve));
  });

  const options = async (change: Partial<JoinClusterOptions> = {}): Promise<JoinClusterOptions> => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-join-'));
    directories.push(directory);
    return {
      server,
      token: 'kudo_join_good',
      caHash,
      nodeId: 'node-a',
      listen: { host: '127.0.0.1', port: await findFreePort() },
      externalAddress: undefined,
      configDirectory: join(directory, 'etc-kudo'),
      tokenFile: undefined,
      ...change,
    };
  };
  const savedFiles = async () => readdir(join(directory, 'etc-kudo')).catch(() => []);

  it('refuses a control plane whose CA is not --ca-hash, sending no token and saving nothing', async () => {
    const before = joinBodies.length;
    const wrongHash = `sha256:${'0'.repeat(64)}`;
    expect(await refusalOf(joinCluster(await options({ caHash: wrongHash })))).toMatchObject({
      code: 'CA_MISMATCH',
      field: '--ca-hash',
      message: expect.stringContaining('in the middle'),
    });
    expect(joinBodies.length).toBe(before);
    expect(await savedFiles()).toEqual([]);
  });

  it("reports the control plane's refusal in its words, saving nothing", async () => {
    expect(await refusalOf(joinCluster(await options({ token: 'kudo_join_old' })))).toMatchObject({
      code: 'JOIN_REFUSED',
      field: '--token',
      message: expect.stringContaining('TOKEN_INVALID): the token has expired'),
    });
    expect(await savedFiles()).toEqual([]);
    expect(await refusalOf(joinCluster(await options({ nodeId: 'taken' })))).toMatchObject({
      code: 'JOIN_REFUSED',
      field: '--node-id',
    });
    expect(await savedFiles()).toEqual([]);
  });

  it('saves key (0600), certificates and agent.json, then serves the control plane over mTLS', async () => {
    const joinOptions = await options({ nodeId: undefined });
    const config = await joinCluster(joinOptions);
    const { port } = joinOptions.listen;
    expect(config).toEqual({
      version: 1,
      nodeId: 'node-auto',
      server,
      listen: `127.0.0.1:${port}`,
      agentUrl: `https://127.0.0.1:${port}`,
      externalIpAddr: '127.0.0.1',
    });
    expect(joinBodies.at(-1)).toMatchObject({
      agentUrl: `https://127.0.0.1:${port}`,
      externalIpAddr: '127.0.0.1',
      agentVersion: '0.1.0',
      apiVersion: 1,
      csrPem: expect.stringContaining('BEGIN CERTIFICATE REQUEST'),
    });
    const configDirectory = joinOptions.configDirectory;
    expect((await savedFiles()).sort()).toEqual(['agent.crt', 'agent.json', 'agent.key', 'ca.crt']);
    expect((await stat(join(configDirectory, 'agent.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(configDirectory, 'ca.crt'), 'utf8')).toBe(cluster.ca.certificatePem);
    expect(await readAgentConfig({ directory: configDirectory })).toEqual(config);

    const bootIdFile = join(directory, 'boot_id');
    await writeFile(bootIdFile, 'boot-1\n');
    const agent = await serveFromConfig({
      configDirectory,
      env: { KUDO_AGENT_LOG_LEVEL: 'silent' },
      logger: silent,
      bootIdFile,
    });
    stops.push(() => agent.close());
    const health = await requestAgent({
      url: `${config.agentUrl}/trpc/health`,
      caCertificatePem: cluster.ca.certificatePem,
      identity: cluster.controlPlane,
    });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ result: { data: { nodeId: 'node-auto', apiVersion: 1 } } });
    expect(
      (
        await requestAgent({
          url: `${config.agentUrl}/trpc/health`,
          caCertificatePem: cluster.ca.certificatePem,
        })
      ).status,
    ).toBe(401);

    expect(await refusalOf(joinCluster({ ...joinOptions }))).toMatchObject({
      code: 'INVALID_OPTION',
      field: '--config-dir',
    });
  });
});
