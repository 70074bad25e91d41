import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { request as requestHttp } from 'node:http';
import { join } from 'node:path';
import { signCertificateRequest } from '@kudo/pki';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import { startAgent } from '../start-agent.js';
import { createTestCluster, requestAgent } from './test-cluster.js';

const silent = pino({ level: 'silent' });

/** The agent over HTTPS (in this process, on loopback): who gets in, and certificate renewal. */
describe('agent over TLS', async () => {
  const cluster = await createTestCluster();
  const token = randomBytes(24).toString('hex');
  let configDirectory: Awaited<ReturnType<typeof cluster.createConfigDirectory>>;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const call = (
    options: Omit<Parameters<typeof requestAgent>[0], 'url' | 'caCertificatePem'> & { path?: string },
  ) =>
    requestAgent({
      ...options,
      url: `${agent.url}${options.path ?? '/trpc/health'}`,
      caCertificatePem: cluster.ca.certificatePem,
    });

  beforeAll(async () => {
    configDirectory = await cluster.createConfigDirectory({
      config: {
        nodeId: 'node-a',
        server: 'https://127.0.0.1:3443',
        listen: '127.0.0.1:7443',
        agentUrl: 'https://127.0.0.1:7443',
        externalIpAddr: '127.0.0.1',
      },
    });
    const bootIdFile = join(configDirectory.directory, 'boot_id');
    await writeFile(bootIdFile, 'boot-1\n');
    agent = await startAgent({
      nodeId: 'node-a',
      port: 0,
      token,
      configDirectory: configDirectory.directory,
      bootIdFile,
      logger: silent,
    });
  });
  afterAll(async () => {
    try {
      await agent?.close();
    } finally {
      await configDirectory?.remove();
    }
  });

  it("lets the control plane's client certificate in, and health tells versions and certificate", async () => {
    expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await call({ identity: cluster.controlPlane });
    expect(response.status).toBe(200);
    const health = (response.body as { result: { data: Record<string, unknown> } }).result.data;
    expect(health).toMatchObject({ nodeId: 'node-a', agentVersion: '0.1.0', apiVersion: 1 });
    expect(health.certificate).toEqual({ serialNumber: response.serverSerial, notAfter: expect.any(String) });
  });

  it('lets a bearer token in over TLS', async () => {
    expect((await call({ token })).status).toBe(200);
  });

  it.each([
    ['no certificate and no token', {}],
    ['a wrong token', { token: `${token}0` }],
    ["another agent's certificate from the same CA", { identity: 'otherAgent' }],
    ['a kudo-control-plane certificate of another CA', { identity: 'foreignControlPlane' }],
  ] as const)(
    'refuses %s (401)',
    async (_, {
      identity,
      token: presented,
    }: { identity?: 'otherAgent' | 'foreignControlPlane'; token?: string }) => {
      const response = await call({
        ...(identity ? { identity: cluster[identity] } : {}),
        ...(presented ? { token: presented } : {}),
        path: '/metrics',
      });
      expect(response.status).toBe(401);
    },
  );

  it('refuses plain HTTP on its TLS port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const outgoing = requestHttp(`${agent.url.replace('https', 'http')}/trpc/health`, {
        headers: { authorization: `Bearer ${token}` },
      });
      outgoing.on('response', (response) => resolve(`HTTP ${response.statusCode}`));
      outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      outgoing.end();
    });
    expect(outcome).not.toMatch(/^HTTP 2/);
  });

  it('keeps credential renewal to the control plane: a bearer token gets 403', async () => {
    const response = await call({ token, method: 'POST', path: '/trpc/credentials.createRequest', body: {} });
    expect(response.status).toBe(403);
  });

  it('renews its certificate: new key kept on the node, the certificate installed live', async () => {
    const before = await call({ identity: cluster.controlPlane });
    const created = await call({
      identity: cluster.controlPlane,
      method: 'POST',
      path: '/trpc/credentials.createRequest',
      body: {},
    });
    expect(created.status).toBe(200);
    const { csrPem } = (created.body as { result: { data: { csrPem: string } } }).result.data;
    expect((await stat(join(configDirectory.directory, 'agent.key.next'))).mode & 0o777).toBe(0o600);

    const wrong = await call({
      identity: cluster.controlPlane,
      method: 'POST',
      path: '/trpc/credentials.install',
      body: { certificatePem: cluster.otherAgent.certificatePem },
    });
    expect(wrong.status).toBe(400);

    const renewed = await signCertificateRequest({
      ca: cluster.ca,
      csrPem,
      commonName: 'node-a',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      validityDays: 60,
    });
    const installed = await call({
      identity: cluster.controlPlane,
      method: 'POST',
      path: '/trpc/credentials.install',
      body: { certificatePem: renewed.certificatePem },
    });
    expect(installed.status).toBe(200);
    const after = await call({ identity: cluster.controlPlane });
    expect(after.serverSerial).toBe(renewed.serialNumber);
    expect(after.serverSerial).not.toBe(before.serverSerial);
    expect(
      (after.body as { result: { data: { certificate: unknown } } }).result.data.certificate,
    ).toMatchObject({
      serialNumber: renewed.serialNumber,
    });
    expect((await stat(join(configDirectory.directory, 'agent.key'))).mode & 0o777).toBe(0o600);
    await expect(stat(join(configDirectory.directory, 'agent.key.next'))).rejects.toThrow();
  });

  it('refuses to serve plain HTTP beyond loopback', async () => {
    const error = await startAgent({
      nodeId: 'node-a',
      host: '0.0.0.0',
      port: 0,
      token,
      logger: silent,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: 'UNSAFE_LISTEN', field: 'host' });
  });
});
