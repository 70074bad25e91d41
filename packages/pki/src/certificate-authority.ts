import { z } from 'zod';
import { createKeyPair, exportPrivateKeyPem, keyAlgorithm, x509 } from './keys.js';
import { parseInput, ZCommonName, ZValidityDays } from './schemas.js';
import { createSerialNumber, readValidity } from './validity.js';

const ZCreateCertificateAuthorityInput = z.object({
  commonName: ZCommonName,
  validityDays: ZValidityDays.default(3650),
});

export type CreateCertificateAuthorityInput = z.input<typeof ZCreateCertificateAuthorityInput>;

/** A new self-signed cluster CA: CA:true (no intermediates below it), keyCertSign and cRLSign. */
export const createCertificateAuthority = async (input: CreateCertificateAuthorityInput) => {
  const { commonName, validityDays } = parseInput({ schema: ZCreateCertificateAuthorityInput, input });
  const keys = await createKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    serialNumber: createSerialNumber(),
    ...readValidity({ validityDays }),
    signingAlgorithm: keyAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
  };
};

export type CertificateAuthority = Awaited<ReturnType<typeof createCertificateAuthority>>;
