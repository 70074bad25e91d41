import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { x509 } from './keys.js';

/** Parses a PEM certificate with node:crypto, or refuses it naming the field. */
export const parseCertificatePem = ({
  certificatePem,
  field = 'certificatePem',
}: {
  certificatePem: string;
  field?: string;
}) => {
  try {
    return new X509Certificate(certificatePem);
  } catch (error) {
    throw new PkiError({
      code: 'INVALID_CERTIFICATE',
      field,
      reason: 'must be a PEM certificate',
      cause: error,
    });
  }
};

/**
 * `sha256:` and the lowercase hex SHA-256 of the certificate's DER: what `join --ca-hash` carries, the same
 * as `openssl x509 -noout -fingerprint -sha256` without the colons.
 */
export const fingerprintCertificate = ({ certificatePem }: { certificatePem: string }) =>
  `sha256:${createHash('sha256').update(parseCertificatePem({ certificatePem }).raw).digest('hex')}`;

/**
 * What a certificate says: subject common name, serial number (uppercase hex, as node:tls's
 * `getPeerCertificate().serialNumber` gives it), validity, subject alternative names, issuer DN.
 */
export const readCertificate = ({ certificatePem }: { certificatePem: string }) => {
  const certificate = parseCertificatePem({ certificatePem });
  const parsed = new x509.X509Certificate(certificate.raw);
  const names = parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  return {
    commonName: parsed.subjectName.getField('CN')[0] ?? '',
    serialNumber: certificate.serialNumber.toUpperCase(),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    ipAddresses: names.filter((name) => name.type === 'ip').map((name) => name.value),
    dnsNames: names.filter((name) => name.type === 'dns').map((name) => name.value),
    issuer: parsed.issuer,
    isCertificateAuthority: certificate.ca,
  };
};

export type CertificateInfo = ReturnType<typeof readCertificate>;

/**
 * Whether `certificatePem` was issued and signed by the CA of `caCertificatePem`, and is valid at `at`.
 * node:crypto does the checks (issuer name and key identifier, then the signature).
 */
export const isCertificateIssuedBy = ({
  certificatePem,
  caCertificatePem,
  at = new Date(),
}: {
  certificatePem: string;
  caCertificatePem: string;
  at?: Date;
}) => {
  const certificate = parseCertificatePem({ certificatePem });
  const ca = parseCertificatePem({ certificatePem: caCertificatePem, field: 'caCertificatePem' });
  return (
    ca.ca &&
    certificate.checkIssued(ca) &&
    certificate.verify(ca.publicKey) &&
    new Date(certificate.validFrom) <= at &&
    at <= new Date(certificate.validTo)
  );
};

/** Whether the private key is the one whose public half the certificate carries. */
export const isKeyOfCertificate = ({
  certificatePem,
  privateKeyPem,
}: {
  certificatePem: string;
  privateKeyPem: string;
}) => {
  const certificate = parseCertificatePem({ certificatePem });
  try {
    return certificate.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch (error) {
    throw new PkiError({
      code: 'INVALID_KEY',
      field: 'privateKeyPem',
      reason: 'must be a PEM private key',
      cause: error,
    });
  }
};
