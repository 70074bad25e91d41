import type { TLSSocket } from 'node:tls';
import { controlPlaneCommonName } from '@kudo/pki';

/** The socket part of a request that TLS client authentication needs (a plain socket has none of it). */
export type PeerSocket = Pick<TLSSocket, 'authorized' | 'getPeerCertificate'> | { authorized?: undefined };

/**
 * Whether the peer showed the control plane's client certificate: node:tls verified it against the
 * cluster CA (`authorized`, the server's `ca` option being that CA alone) and its subject CN is
 * `kudo-control-plane`. Another certificate of the same CA (an agent's) is not the control plane.
 */
export const isControlPlaneClient = (socket: PeerSocket) => {
  if (socket.authorized !== true || !('getPeerCertificate' in socket)) return false;
  const { subject } = socket.getPeerCertificate();
  return subject?.CN === controlPlaneCommonName;
};
