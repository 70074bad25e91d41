import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyAndCertificateRequest,
  fingerprintCertificate,
  isCertificateIssuedBy,
  readCertificate,
} from '@kudo/pki';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRenewalDue } from './agent-certificates.js';
import { findAgentUrlProblem, readAgentUrlNames } from './agent-url.js';
import { openClusterAuthority } from './cluster-authority.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-web-ca-test-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('cluster CA', () => {
  it('is created at first use: ca.key readable by its owner only, ca.crt a CA certificate', async () => {
    const authority = openClusterAuthority({ directory: join(directory, 'data') });
    const caCertificatePem = await authority.readCaCertificatePem();
    expect((await stat(join(directory, 'data', 'ca.key'))).mode & 0o777).toBe(0o600);
    expect(readCertificate({ certificatePem: caCertificatePem }).isCertificateAuthority).toBe(true);
  });

  it('is the same CA when opened again (a restart), with the fingerprint openssl prints', async () => {
    const first = await openClusterAuthority({ directory }).readFingerprint();
    const again = openClusterAuthority({ directory });
    expect(await again.readFingerprint()).toBe(first);
    const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
      input: await again.readCaCertificatePem(),
    })
      .toString()
      .replace(/^.*=/, '')
      .replace(/:/g, '')
      .trim()
      .toLowerCase();
    expect(first).toBe(`sha256:${openssl}`);
  });

  it('refuses to start with a key but no certificate (a new CA would cut every node off)', async () => {
    await writeFile(join(directory, 'ca.key'), 'key');
    await expect(openClusterAuthority({ directory }).readCaCertificatePem()).rejects.toThrow(
      /ca\.crt is missing/,
    );
  });

  it("signs an agent's request for the node id and addresses it decides, not the request's", async () => {
    const authority = openClusterAuthority({ directory });
    const { csrPem } = await createKeyAndCertificateRequest({
      commonName: 'someone-else',
      ipAddresses: ['203.0.113.9'],
      dnsNames: ['evil.example'],
    });
    const signed = await authority.signAgentRequest({
      csrPem,
      nodeId: 'node-a',
      ...readAgentUrlNames({ url: 'https://198.51.100.11:7443', externalIpAddr: '198.51.100.11' }),
    });
    const certificate = readCertificate({ certificatePem: signed.certificatePem });
    expect(certificate).toMatchObject({
      commonName: 'node-a',
      ipAddresses: ['198.51.100.11'],
      dnsNames: [],
      serialNumber: signed.serialNumber,
    });
    const caCertificatePem = await authority.readCaCertificatePem();
    expect(isCertificateIssuedBy({ certificatePem: signed.certificatePem, caCertificatePem })).toBe(true);
  });

  it("issues the control plane's client certificate as kudo-control-plane, once per process", async () => {
    const authority = openClusterAuthority({ directory });
    const client = await authority.readClientCredentials();
    expect(readCertificate({ certificatePem: client.certificatePem }).commonName).toBe('kudo-control-plane');
    expect(client.caCertificatePem).toBe(await authority.readCaCertificatePem());
    expect(fingerprintCertificate({ certificatePem: client.certificatePem })).not.toBe(
      await authority.readFingerprint(),
    );
    expect(await authority.readClientCredentials()).toBe(client);
  });
});

describe('agent URLs and certificate life', () => {
  it('plain http is only for loopback agents', () => {
    expect(findAgentUrlProblem('https://198.51.100.11:7443')).toBeUndefined();
    expect(findAgentUrlProblem('http://127.0.0.1:7070')).toBeUndefined();
    expect(findAgentUrlProblem('http://[::1]:7070')).toBeUndefined();
    expect(findAgentUrlProblem('http://198.51.100.11:7070')).toMatch(/must be https/);
    expect(findAgentUrlProblem('ftp://198.51.100.11')).toMatch(/https/);
    expect(findAgentUrlProblem('not a url')).toMatch(/URL/);
  });

  it('a DNS name in the URL is a DNS name of the certificate', () => {
    expect(readAgentUrlNames({ url: 'https://node-a.lan:7443', externalIpAddr: '198.51.100.11' })).toEqual({
      ipAddresses: ['198.51.100.11'],
      dnsNames: ['node-a.lan'],
    });
  });

  it('renewal is due when less than a third of the lifetime is left', () => {
    const notBefore = new Date('2026-01-01T00:00:00Z');
    const notAfter = new Date('2026-04-01T00:00:00Z'); // 90 days
    const at = (iso: string) => isRenewalDue({ notBefore, notAfter, now: new Date(iso) });
    expect(at('2026-01-02T00:00:00Z')).toBe(false);
    expect(at('2026-03-01T00:00:00Z')).toBe(false); // 31 days left
    expect(at('2026-03-03T00:00:00Z')).toBe(true); // 29 days left
    expect(at('2026-05-01T00:00:00Z')).toBe(true);
  });
});
