import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { TlsCredentials } from './credential-files.js';

/** The agent's key and certificate, and the cluster CA as the only issuer of client certificates it trusts. */
export const toSecureContextOptions = ({
  keyPem,
  certificatePem,
  caCertificatePem,
}: TlsCredentials): SecureContextOptions => ({
  key: keyPem,
  cert: certificatePem,
  ca: caCertificatePem,
  minVersion: 'TLSv1.2',
});

/**
 * A client certificate is asked for but not required at the handshake: a bearer token over TLS is the
 * other way in, so the HTTP layer decides (and answers 401 with a reason instead of a torn connection).
 */
export const toServerTlsOptions = (credentials: TlsCredentials): TlsOptions => ({
  ...toSecureContextOptions(credentials),
  requestCert: true,
  rejectUnauthorized: false,
});
