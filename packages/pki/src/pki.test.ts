import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from './certificate-authority.js';
import { createKeyAndCertificateRequest } from './certificate-request.js';
import { PkiError } from './errors.js';
import { createIssuedKeyPair } from './issued-key-pair.js';
import { x509 } from './keys.js';
import {
  fingerprintCertificate,
  isCertificateIssuedBy,
  isKeyOfCertificate,
  readCertificate,
} from './read-certificate.js';
import { signCertificateRequest } from './sign-certificate-request.js';

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof PkiError)) throw new Error(`expected a PkiError, got ${String(error)}`);
  return { code: error.code, field: error.field };
};

describe('a cluster CA signing an agent request', async () => {
  const ca = await createCertificateAuthority({ commonName: 'kudo cluster CA', validityDays: 3650 });
  const request = await createKeyAndCertificateRequest({
    commonName: 'wished-name',
    ipAddresses: ['203.0.113.99'],
    dnsNames: [],
  });
  const issued = await signCertificateRequest({
    ca,
    csrPem: request.csrPem,
    commonName: 'node-a',
    ipAddresses: ['198.51.100.11', '::1'],
    dnsNames: ['node-a.example'],
    usage: 'server',
    validityDays: 90,
  });

  it('makes a self-signed CA certificate node:crypto reads as a CA', () => {
    const certificate = new X509Certificate(ca.certificatePem);
    expect(certificate.ca).toBe(true);
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe('CN=kudo cluster CA');
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('issues a certificate that chains to the CA and holds the requester key', () => {
    const certificate = new X509Certificate(issued.certificatePem);
    const authority = new X509Certificate(ca.certificatePem);
    expect(certificate.checkIssued(authority)).toBe(true);
    expect(certificate.verify(authority.publicKey)).toBe(true);
    expect(certificate.ca).toBe(false);
    expect(
      isCertificateIssuedBy({ certificatePem: issued.certificatePem, caCertificatePem: ca.certificatePem }),
    ).toBe(true);
    expect(
      isKeyOfCertificate({ certificatePem: issued.certificatePem, privateKeyPem: request.privateKeyPem }),
    ).toBe(true);
    expect(
      isKeyOfCertificate({ certificatePem: issued.certificatePem, privateKeyPem: ca.privateKeyPem }),
    ).toBe(false);
  });

  it("puts the CA's subject and names in it, not the request's, with the usage asked for", () => {
    const info = readCertificate({ certificatePem: issued.certificatePem });
    expect(info).toMatchObject({
      commonName: 'node-a',
      serialNumber: issued.serialNumber,
      ipAddresses: ['198.51.100.11', '::1'],
      dnsNames: ['node-a.example'],
      issuer: 'CN=kudo cluster CA',
      isCertificateAuthority: false,
    });
    expect(info.notAfter).toEqual(issued.notAfter);
    expect(info.notAfter.getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(Date.now());
    const certificate = new X509Certificate(issued.certificatePem);
    expect(certificate.subjectAltName).not.toContain('203.0.113.99');
    expect(certificate.serialNumber.toUpperCase()).toBe(issued.serialNumber);
    const usages = new x509.X509Certificate(issued.certificatePem).getExtension(
      x509.ExtendedKeyUsageExtension,
    )?.usages;
    expect(usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
  });

  it('issues a client-only certificate for the control plane, with the serial asked for', async () => {
    const client = await createIssuedKeyPair({
      ca,
      commonName: 'kudo-control-plane',
      usage: 'client',
      validityDays: 30,
      serialNumber: '1a2b3c',
    });
    expect(readCertificate({ certificatePem: client.certificatePem })).toMatchObject({
      commonName: 'kudo-control-plane',
      serialNumber: '1A2B3C',
      ipAddresses: [],
    });
    const usages = new x509.X509Certificate(client.certificatePem).getExtension(
      x509.ExtendedKeyUsageExtension,
    )?.usages;
    expect(usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(isKeyOfCertificate(client)).toBe(true);
  });

  it('refuses a certificate from another CA, and a CA certificate that is not a CA', async () => {
    const other = await createCertificateAuthority({ commonName: 'kudo cluster CA', validityDays: 10 });
    expect(
      isCertificateIssuedBy({
        certificatePem: issued.certificatePem,
        caCertificatePem: other.certificatePem,
      }),
    ).toBe(false);
    expect(
      isCertificateIssuedBy({
        certificatePem: issued.certificatePem,
        caCertificatePem: issued.certificatePem,
      }),
    ).toBe(false);
  });

  it('refuses a certificate outside its validity', () => {
    const later = new Date(Date.now() + 91 * 86_400_000);
    expect(
      isCertificateIssuedBy({
        certificatePem: issued.certificatePem,
        caCertificatePem: ca.certificatePem,
        at: later,
      }),
    ).toBe(false);
  });

  it('refuses a request whose signature does not hold', async () => {
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(request.csrPem).rawData);
    // The signature is the last bytes of the DER: flip one of them.
    der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0xff;
    const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    expect(
      await refusal(
        signCertificateRequest({ ca, csrPem: tampered, commonName: 'x', usage: 'server', validityDays: 1 }),
      ),
    ).toEqual({ code: 'INVALID_REQUEST', field: 'csrPem' });
  });

  it('refuses a request whose subject was changed after signing, and what is no request', async () => {
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(request.csrPem).rawData);
    const at = der.indexOf('wished-name');
    expect(at).toBeGreaterThan(0);
    der.write('wished-NAME', at);
    const renamed = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    expect(new x509.Pkcs10CertificateRequest(renamed).subject).toBe('CN=wished-NAME');
    expect(
      await refusal(
        signCertificateRequest({ ca, csrPem: renamed, commonName: 'x', usage: 'server', validityDays: 1 }),
      ),
    ).toEqual({ code: 'INVALID_REQUEST', field: 'csrPem' });
    expect(
      await refusal(
        signCertificateRequest({
          ca,
          csrPem: 'not a csr',
          commonName: 'x',
          usage: 'server',
          validityDays: 1,
        }),
      ),
    ).toEqual({ code: 'INVALID_REQUEST', field: 'csrPem' });
  });

  it.each([
    [{ commonName: '' }, 'commonName'],
    [{ commonName: 'CN=evil,O=x' }, 'commonName'],
    [{ ipAddresses: ['198.51.100.300'] }, 'ipAddresses.0'],
    [{ dnsNames: ['bad name'] }, 'dnsNames.0'],
    [{ validityDays: 0 }, 'validityDays'],
    [{ usage: 'both' }, 'usage'],
    [{ serialNumber: '-1' }, 'serialNumber'],
  ])('refuses %j naming %s', async (change, field) => {
    const input = {
      ca,
      csrPem: request.csrPem,
      commonName: 'node-a',
      usage: 'server',
      validityDays: 1,
      ...change,
    };
    expect(
      await refusal(signCertificateRequest(input as Parameters<typeof signCertificateRequest>[0])),
    ).toEqual({
      code: 'INVALID_INPUT',
      field,
    });
  });

  it('refuses a CA key that is not a key, and a CA that is not a CA', async () => {
    expect(
      await refusal(
        signCertificateRequest({
          ca: { ...ca, privateKeyPem: 'nope' },
          csrPem: request.csrPem,
          commonName: 'x',
          usage: 'server',
          validityDays: 1,
        }),
      ),
    ).toEqual({ code: 'INVALID_KEY', field: 'ca.privateKeyPem' });
    expect(
      await refusal(
        signCertificateRequest({
          ca: { certificatePem: issued.certificatePem, privateKeyPem: request.privateKeyPem },
          csrPem: request.csrPem,
          commonName: 'x',
          usage: 'server',
          validityDays: 1,
        }),
      ),
    ).toEqual({ code: 'INVALID_CERTIFICATE', field: 'ca.certificatePem' });
  });
});

describe('fingerprintCertificate', async () => {
  const ca = await createCertificateAuthority({ commonName: 'kudo cluster CA' });

  it("is node:crypto's fingerprint256 without colons, lowercase, prefixed sha256:", () => {
    const expected = `sha256:${new X509Certificate(ca.certificatePem).fingerprint256.replaceAll(':', '').toLowerCase()}`;
    expect(fingerprintCertificate({ certificatePem: ca.certificatePem })).toBe(expected);
    expect(expected).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is what openssl prints, when openssl is installed', () => {
    let printed: string;
    try {
      printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
        input: ca.certificatePem,
      })
        .toString()
        .trim();
    } catch {
      return;
    }
    const hex = printed.split('=')[1]?.replaceAll(':', '').toLowerCase();
    expect(fingerprintCertificate({ certificatePem: ca.certificatePem })).toBe(`sha256:${hex}`);
  });

  it('refuses what is not a certificate', async () => {
    expect(
      await refusal(Promise.resolve().then(() => fingerprintCertificate({ certificatePem: 'x' }))),
    ).toEqual({
      code: 'INVALID_CERTIFICATE',
      field: 'certificatePem',
    });
  });
});
