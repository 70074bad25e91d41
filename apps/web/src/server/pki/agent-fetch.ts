import { createSecureContext, type TLSSocket } from 'node:tls';
import { Agent, buildConnector, fetch as fetchWithDispatcher } from 'undici';
import { createSharedRead } from '../db/shared-read.js';
import type { TlsCredentials } from './cluster-authority.js';

/**
 * Connections kept to one agent at most: calls beyond wait for a free one. Enough for the agent's group
 * commit to gather many calls at once; few enough that a burst of 50 clients does not open (and make a full
 * handshake for) a connection each.
 */
const maxConnectionsPerAgent = 16;

/** What the control plane needs to reach agents over mTLS: its client identity and the revoked serials. */
export type AgentTls = {
  readClientCredentials: () => Promise<TlsCredentials>;
  /** Whether a serial number (uppercase hex) was revoked: an agent presenting it is refused. */
  isRevoked: (serialNumber: string) => Promise<boolean>;
};

/** The verified certificate of the kept-alive connections to one agent (by host:port). */
type VerifiedPeer = { serialNumber: string; sockets: Set<TLSSocket> };

const toPeerKey = ({ hostname, port }: { hostname: string; port: string | number }) =>
  `${hostname.replace(/^\[|\]$/g, '')}:${port}`;

const describeRevoked = ({ peerKey, serialNumber }: { peerKey: string; serialNumber: string }) =>
  `the agent at ${peerKey} showed certificate ${serialNumber}, which was revoked (its node was removed or its credentials rotated)`;

/** Refuses an agent that shows a revoked certificate, once the TLS handshake has verified it. */
const refuseRevoked =
  ({
    connect,
    isRevoked,
    peers,
  }: {
    connect: buildConnector.connector;
    isRevoked: AgentTls['isRevoked'];
    peers: Map<string, VerifiedPeer>;
  }) =>
  (options: buildConnector.Options, callback: buildConnector.Callback) =>
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      if (!('getPeerCertificate' in socket)) return callback(null, socket);
      const tlsSocket = socket as TLSSocket;
      const serialNumber = tlsSocket.getPeerCertificate().serialNumber?.toUpperCase() ?? '';
      const peerKey = toPeerKey({ hostname: options.hostname, port: options.port });
      // Fail closed: a handshake that shows no certificate (as a resumed TLS session may) is not trusted.
      if (!serialNumber) {
        socket.destroy();
        return callback(new Error(`the agent at ${peerKey} showed no certificate to check`), null);
      }
      isRevoked(serialNumber).then(
        (isRefused) => {
          if (isRefused) {
            socket.destroy();
            return callback(new Error(describeRevoked({ peerKey, serialNumber })), null);
          }
          const peer = peers.get(peerKey);
          if (peer?.serialNumber === serialNumber) peer.sockets.add(tlsSocket);
          else peers.set(peerKey, { serialNumber, sockets: new Set([tlsSocket]) });
          tlsSocket.once('close', () => peers.get(peerKey)?.sockets.delete(tlsSocket));
          callback(null, socket);
        },
        (reason: unknown) => {
          socket.destroy();
          callback(reason instanceof Error ? reason : new Error(String(reason)), null);
        },
      );
    });

/**
 * Before a request may reuse a kept-alive connection, asks again whether the certificate that connection
 * verified has been revoked since (one lookup by primary key): removing a node must shut out its agent at
 * once, not when the pool happens to open a new connection. A revoked peer's connections are destroyed.
 */
const checkKeptAlivePeer = async ({
  url,
  peers,
  isRevoked,
}: {
  url: URL;
  peers: Map<string, VerifiedPeer>;
  isRevoked: AgentTls['isRevoked'];
}) => {
  const peerKey = toPeerKey({ hostname: url.hostname, port: url.port || '443' });
  const peer = peers.get(peerKey);
  if (!peer || peer.sockets.size === 0 || !(await isRevoked(peer.serialNumber))) return;
  peers.delete(peerKey);
  for (const socket of peer.sockets) socket.destroy();
  throw new Error(describeRevoked({ peerKey, serialNumber: peer.serialNumber }));
};

const toUrl = (input: string | URL | Request) =>
  new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);

/**
 * A `fetch` for `https://` agents: verifies the agent's certificate against the cluster CA alone (not the
 * system roots: only our CA names agents), presents the control plane's client certificate, and refuses a
 * revoked one, on a new connection and on a kept-alive one alike. One connection pool for every agent, made
 * at the first call.
 */
export const createAgentFetch = ({ tls }: { tls: AgentTls }) => {
  const peers = new Map<string, VerifiedPeer>();
  // Calls to one agent at once share one revocation lookup, never one that began before they asked.
  const isRevoked = createSharedRead({ read: tls.isRevoked });
  let dispatcher: Promise<Agent> | undefined;
  const readDispatcher = () => {
    dispatcher ??= tls.readClientCredentials().then(
      ({ caCertificatePem, certificatePem, privateKeyPem }) =>
        new Agent({
          connections: maxConnectionsPerAgent,
          connect: refuseRevoked({
            connect: buildConnector({
              // Every connection makes a full handshake: a resumed session shows no certificate to check
              // for revocation.
              maxCachedSessions: 0,
              // Parsed once, not for every new connection.
              secureContext: createSecureContext({
                ca: caCertificatePem,
                cert: certificatePem,
                key: privateKeyPem,
              }),
              rejectUnauthorized: true,
            }),
            isRevoked,
            peers,
          }),
        }),
      (error: unknown) => {
        dispatcher = undefined;
        throw error;
      },
    );
    return dispatcher;
  };
  return (async (input: string | URL | Request, init?: RequestInit) => {
    await checkKeptAlivePeer({ url: toUrl(input), peers, isRevoked });
    return fetchWithDispatcher(input as Parameters<typeof fetchWithDispatcher>[0], {
      ...(init as Parameters<typeof fetchWithDispatcher>[1]),
      dispatcher: await readDispatcher(),
    });
  }) as unknown as typeof fetch;
};
