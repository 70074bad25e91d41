import type { z } from 'zod';
import { PkiError } from './errors.js';
import { createKeyPair, exportPrivateKeyPem, keyAlgorithm, x509 } from './keys.js';
import { parseInput, ZSubject } from './schemas.js';

export type CreateKeyAndCertificateRequestInput = z.input<typeof ZSubject>;

/** SAN entries in @peculiar/x509's JSON form. */
export const toGeneralNames = ({ ipAddresses, dnsNames }: { ipAddresses: string[]; dnsNames: string[] }) => [
  ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
];

/**
 * A new key pair and a PKCS#10 request for it, signed by the key (proof of possession). The names in it
 * are a wish: the CA decides the subject and SANs of the certificate it issues.
 */
export const createKeyAndCertificateRequest = async (input: CreateKeyAndCertificateRequestInput) => {
  const { commonName, ipAddresses, dnsNames } = parseInput({ schema: ZSubject, input });
  const keys = await createKeyPair();
  const names = toGeneralNames({ ipAddresses, dnsNames });
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: keyAlgorithm,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { privateKeyPem: await exportPrivateKeyPem(keys.privateKey), csrPem: request.toString('pem') };
};

/** Parses a PEM CSR and checks its signature (the requester holds the key), or refuses it. */
export const readVerifiedCertificateRequest = async ({ csrPem }: { csrPem: string }) => {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new PkiError({
      code: 'INVALID_REQUEST',
      field: 'csrPem',
      reason: 'must be a PEM PKCS#10 request',
      cause: error,
    });
  }
  const isSigned = await request.verify().catch(() => false);
  if (!isSigned)
    throw new PkiError({
      code: 'INVALID_REQUEST',
      field: 'csrPem',
      reason: 'its signature does not match its public key',
    });
  return request;
};
