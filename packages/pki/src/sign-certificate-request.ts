import { z } from 'zod';
import { readVerifiedCertificateRequest, toGeneralNames } from './certificate-request.js';
import { PkiError } from './errors.js';
import { importPrivateKeyPem, keyAlgorithm, x509 } from './keys.js';
import { parseCertificatePem } from './read-certificate.js';
import { parseInput, ZCertificateUsage, ZPem, ZSerialNumber, ZSubject, ZValidityDays } from './schemas.js';
import { createSerialNumber, readValidity } from './validity.js';

const ZSignCertificateRequestInput = ZSubject.extend({
  ca: z.object({ certificatePem: ZPem, privateKeyPem: ZPem }),
  csrPem: ZPem,
  usage: ZCertificateUsage,
  validityDays: ZValidityDays,
  serialNumber: ZSerialNumber.optional(),
});

export type SignCertificateRequestInput = z.input<typeof ZSignCertificateRequestInput>;

/** Extended key usages: a server certificate may also act as a client (agent to agent, later). */
const extendedKeyUsages = {
  server: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
} as const;

/**
 * The CA signs the public key of a CSR whose signature holds. The subject and SANs are the CA's
 * decision (the arguments), never copied from the request.
 */
export const signCertificateRequest = async (input: SignCertificateRequestInput) => {
  const { ca, csrPem, commonName, ipAddresses, dnsNames, usage, validityDays, serialNumber } = parseInput({
    schema: ZSignCertificateRequestInput,
    input,
  });
  const caCertificate = parseCertificatePem({
    certificatePem: ca.certificatePem,
    field: 'ca.certificatePem',
  });
  if (!caCertificate.ca)
    throw new PkiError({
      code: 'INVALID_CERTIFICATE',
      field: 'ca.certificatePem',
      reason: 'is not a CA certificate',
    });
  const signingKey = await importPrivateKeyPem({
    privateKeyPem: ca.privateKeyPem,
    field: 'ca.privateKeyPem',
  });
  const request = await readVerifiedCertificateRequest({ csrPem });
  const issuer = new x509.X509Certificate(caCertificate.raw);
  const names = toGeneralNames({ ipAddresses, dnsNames });
  const serial = (serialNumber ?? createSerialNumber()).toUpperCase();
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [commonName] }],
    issuer: issuer.subjectName,
    publicKey: request.publicKey,
    signingKey,
    serialNumber: serial,
    ...readValidity({ validityDays }),
    signingAlgorithm: keyAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([...extendedKeyUsages[usage]]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey),
    ],
  });
  return {
    certificatePem: certificate.toString('pem'),
    serialNumber: serial,
    notAfter: certificate.notAfter,
  };
};
