import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as requestHttp, type Server } from 'node:http';
import { request as requestHttps } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, createIssuedKeyPair, readCertificate } from '@kudo/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../env.js';
import { openClusterAuthority } from '../pki/cluster-authority.js';
import { readServingCredentials, startTlsFront } from './tls-front.js';

/** HTTPS for the dashboard: a TLS front on loopback before a plain HTTP server, as `npm run web` runs it. */
let directory: string;
let backend: Server;
let backendPort: number;

const get = ({ port, ca, servername }: { port: number; ca: string; servername?: string }) =>
  new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
    const request = requestHttps(
      { host: '127.0.0.1', port, path: '/api/join/ca', ca, servername, rejectUnauthorized: true },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-web-tls-test-'));
  backend = createServer((request, response) => response.end(`plain ${request.url}`));
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  backendPort = (backend.address() as { port: number }).port;
});
afterAll(async () => {
  backend?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('the HTTPS listener', () => {
  it('serves the dashboard with a certificate from the cluster CA for the configured names', async () => {
    const authority = openClusterAuthority({ directory });
    const env = readEnv({ KUDO_DATA_DIR: directory, KUDO_TLS: 'ca', KUDO_TLS_NAMES: 'cp.lan, 127.0.0.1' });
    if (env.tls.mode !== 'ca') throw new Error('expected the ca mode');
    const credentials = await readServingCredentials({ tls: env.tls, authority });
    expect(readCertificate({ certificatePem: credentials.certificatePem })).toMatchObject({
      commonName: 'cp.lan',
      dnsNames: ['cp.lan'],
      ipAddresses: ['127.0.0.1'],
    });
    const front = await startTlsFront({
      host: '127.0.0.1',
      port: 0,
      target: { host: '127.0.0.1', port: backendPort },
      credentials,
    });
    try {
      const ca = await authority.readCaCertificatePem();
      expect(await get({ port: front.port, ca })).toEqual({ status: 200, body: 'plain /api/join/ca' });
      // Another CA's client refuses it: that is what a man in the middle looks like.
      const other = await createCertificateAuthority({ commonName: 'other' });
      await expect(get({ port: front.port, ca: other.certificatePem })).rejects.toThrow(/certificate/);
      // Plain HTTP to the HTTPS port gets no page.
      const plain = await new Promise<string>((resolve) => {
        const request = requestHttp({ host: '127.0.0.1', port: front.port, path: '/' }, () =>
          resolve('answered'),
        );
        request.on('error', (error) => resolve(error.message));
        request.end();
      });
      expect(plain).not.toBe('answered');
    } finally {
      await front.close();
    }
  });

  it("serves the admin's certificate and key files", async () => {
    const authority = await createCertificateAuthority({ commonName: 'Admin CA' });
    const issued = await createIssuedKeyPair({
      ca: authority,
      commonName: 'kudo.example',
      dnsNames: ['kudo.example'],
      usage: 'server',
      validityDays: 30,
    });
    await writeFile(join(directory, 'server.crt'), issued.certificatePem);
    await writeFile(join(directory, 'server.key'), issued.privateKeyPem, { mode: 0o600 });
    const env = readEnv({
      KUDO_TLS_CERT_FILE: join(directory, 'server.crt'),
      KUDO_TLS_KEY_FILE: join(directory, 'server.key'),
    });
    if (env.tls.mode !== 'files') throw new Error('expected the files mode');
    const front = await startTlsFront({
      host: '127.0.0.1',
      port: 0,
      target: { host: '127.0.0.1', port: backendPort },
      credentials: await readServingCredentials({
        tls: env.tls,
        authority: openClusterAuthority({ directory }),
      }),
    });
    try {
      expect(
        await get({ port: front.port, ca: authority.certificatePem, servername: 'kudo.example' }),
      ).toEqual({
        status: 200,
        body: 'plain /api/join/ca',
      });
    } finally {
      await front.close();
    }
  });

  it('a certificate without its key, or KUDO_TLS=ca without names, is refused at start', () => {
    expect(() => readEnv({ KUDO_TLS_CERT_FILE: '/x.crt' })).toThrow(/KUDO_TLS_KEY_FILE: must be set/);
    expect(() => readEnv({ KUDO_TLS: 'ca' })).toThrow(/KUDO_TLS_NAMES/);
    expect(readEnv({}).tls).toEqual({ mode: 'off' });
  });
});
