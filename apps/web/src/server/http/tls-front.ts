import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, isIP } from 'node:net';
import { createServer } from 'node:tls';
import type { TlsMode } from '../../env.js';
import type { ClusterAuthority } from '../pki/cluster-authority.js';

export type ServingCredentials = { certificatePem: string; privateKeyPem: string };

/**
 * The certificate and key of the control plane's HTTPS listener: the admin's files, or one the cluster CA
 * issues for the configured names (browsers then show it as untrusted until ca.crt is trusted).
 */
export const readServingCredentials = async ({
  tls,
  authority,
}: {
  tls: Exclude<TlsMode, { mode: 'off' }>;
  authority: ClusterAuthority;
}): Promise<ServingCredentials> => {
  if (tls.mode === 'files') {
    const [certificatePem, privateKeyPem] = await Promise.all([
      readFile(tls.certificateFile, 'utf8'),
      readFile(tls.keyFile, 'utf8'),
    ]);
    return { certificatePem, privateKeyPem };
  }
  const ipAddresses = tls.names.filter((name) => isIP(name) !== 0);
  const dnsNames = tls.names.filter((name) => isIP(name) === 0);
  const { certificatePem, privateKeyPem } = await authority.issueServingCredentials({
    commonName: dnsNames[0] ?? ipAddresses.find((name) => isIP(name) === 4) ?? 'kudo control plane',
    ipAddresses,
    dnsNames,
  });
  return { certificatePem, privateKeyPem };
};

/**
 * HTTPS in front of the dashboard's plain HTTP server: TLS is ended here and every connection is piped,
 * bytes unchanged, to `target` (the Next.js server on loopback). Server-sent events and keep-alive work as
 * they are; the session cookie must then be Secure always (KUDO_COOKIE_SECURE=always), since the server
 * behind sees plain HTTP.
 */
export const startTlsFront = async ({
  host,
  port,
  target,
  credentials,
}: {
  host: string;
  port: number;
  target: { host: string; port: number };
  credentials: ServingCredentials;
}) => {
  const server = createServer(
    { cert: credentials.certificatePem, key: credentials.privateKeyPem, minVersion: 'TLSv1.2' },
    (socket) => {
      const upstream = connect({ host: target.host, port: target.port });
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      socket.pipe(upstream).pipe(socket);
    },
  );
  // A client that fails the handshake (an untrusted certificate, plain HTTP) only closes its connection.
  server.on('tlsClientError', () => undefined);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    /** Replaces the certificate for new connections (a renewed one). */
    setCredentials: (next: ServingCredentials) =>
      server.setSecureContext({ cert: next.certificatePem, key: next.privateKeyPem }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
};
