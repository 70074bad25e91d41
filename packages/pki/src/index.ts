export {
  type CertificateAuthority,
  type CreateCertificateAuthorityInput,
  createCertificateAuthority,
} from './certificate-authority.js';
export {
  type CreateKeyAndCertificateRequestInput,
  createKeyAndCertificateRequest,
} from './certificate-request.js';
export { isPkiError, PkiError, type PkiErrorCode, pkiErrorCodes } from './errors.js';
export { createIssuedKeyPair } from './issued-key-pair.js';
export {
  type CertificateInfo,
  fingerprintCertificate,
  isCertificateIssuedBy,
  isKeyOfCertificate,
  readCertificate,
} from './read-certificate.js';
export { type CertificateUsage, ZCertificateUsage, ZCommonName, ZIpAddress } from './schemas.js';
export { type SignCertificateRequestInput, signCertificateRequest } from './sign-certificate-request.js';

/** The common name of the control plane's client certificate: the only client identity an agent accepts. */
export const controlPlaneCommonName = 'kudo-control-plane';

/** `sha256:` + 64 lowercase hex digits: the form of a CA fingerprint (`--ca-hash`). */
export const caHashPattern = /^sha256:[0-9a-f]{64}$/;
