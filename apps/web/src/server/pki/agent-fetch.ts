import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { createKeepAliveFetch, type FetchEsque, keepAliveAgentOptions } from '@kudo/agent/client';
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
  /**
   * This process's count of revocations written (pki/revocation-epoch.ts), when every revocation that can
   * concern these agents is written by this process (SQLite: one control plane): a kept-alive connection
   * found not revoked by a lookup begun at the current count is used without a new lookup. Without it
   * (replicas on PostgreSQL), each request on a kept-alive connection waits for a lookup.
   */
  readRevocationEpoch?: () => number;
};

/**
 * The verified certificate of the kept-alive connections to one agent (by host:port), and the revocation
 * count at which the latest lookup that found it not revoked began.
 */
type VerifiedPeer = { serialNumber: string; sockets: Set<TLSSocket>; checkedAtEpoch: number };

/** Without a revocation count: equal to nothing, so no lookup ever vouches for a later request. */
const noEpoch = Number.NaN;

const toPeerKey = ({ hostname, port }: { hostname: string; port: string | number }) =>
  `${hostname.replace(/^\[|\]$/g, '')}:${port}`;

const describeRevoked = ({ peerKey, serialNumber }: { peerKey: string; serialNumber: string }) =>
  `the agent at ${peerKey} showed certificate ${serialNumber}, which was revoked (its node was removed or its credentials rotated)`;

/**
 * Admits a new connection to an agent once the TLS handshake has verified its certificate: rejects when
 * the certificate was revoked (or cannot be checked), else records it under its peer for the checks of
 * kept-alive connections. The caller destroys a refused connection.
 */
const admitVerifiedPeer = async ({
  socket,
  peerKey,
  isRevoked,
  readEpoch,
  peers,
}: {
  socket: TLSSocket;
  peerKey: string;
  isRevoked: AgentTls['isRevoked'];
  readEpoch: () => number;
  peers: Map<string, VerifiedPeer>;
}) => {
  const serialNumber = socket.getPeerCertificate().serialNumber?.toUpperCase() ?? '';
  // Fail closed: a handshake that shows no certificate (as a resumed TLS session may) is not trusted.
  if (!serialNumber) throw new Error(`the agent at ${peerKey} showed no certificate to check`);
  const checkedAtEpoch = readEpoch();
  if (await isRevoked(serialNumber)) throw new Error(describeRevoked({ peerKey, serialNumber }));
  const peer = peers.get(peerKey);
  if (peer?.serialNumber === serialNumber) {
    peer.sockets.add(socket);
    peer.checkedAtEpoch = Math.max(peer.checkedAtEpoch, checkedAtEpoch);
  } else peers.set(peerKey, { serialNumber, sockets: new Set([socket]), checkedAtEpoch });
  socket.once('close', () => peers.get(peerKey)?.sockets.delete(socket));
};

const toError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));

/** The streaming fetch's connector: refuses an agent that shows a revoked certificate. */
const refuseRevoked =
  ({
    connect,
    isRevoked,
    readEpoch,
    peers,
  }: {
    connect: buildConnector.connector;
    isRevoked: AgentTls['isRevoked'];
    readEpoch: () => number;
    peers: Map<string, VerifiedPeer>;
  }) =>
  (options: buildConnector.Options, callback: buildConnector.Callback) =>
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      if (!('getPeerCertificate' in socket)) return callback(null, socket);
      admitVerifiedPeer({
        socket: socket as TLSSocket,
        peerKey: toPeerKey({ hostname: options.hostname, port: options.port }),
        isRevoked,
        readEpoch,
        peers,
      }).then(
        () => callback(null, socket),
        (reason: unknown) => {
          socket.destroy();
          callback(toError(reason), null);
        },
      );
    });

/**
 * The calls' kept-alive node:https connections, at most `maxConnectionsPerAgent` per agent. A new
 * connection is corked from the start: the request written on it leaves only once the handshake has
 * verified the agent's certificate and it was found not revoked; a refused one is destroyed with the
 * reason, which the request fails with.
 */
const createCallAgent = ({
  credentials: { caCertificatePem, certificatePem, privateKeyPem },
  isRevoked,
  readEpoch,
  peers,
}: {
  credentials: TlsCredentials;
  isRevoked: AgentTls['isRevoked'];
  readEpoch: () => number;
  peers: Map<string, VerifiedPeer>;
}) => {
  const agent = new HttpsAgent({
    ...keepAliveAgentOptions,
    maxSockets: maxConnectionsPerAgent,
    // Every connection makes a full handshake: a resumed session shows no certificate to check.
    maxCachedSessions: 0,
    // Parsed once, not for every new connection.
    secureContext: createSecureContext({ ca: caCertificatePem, cert: certificatePem, key: privateKeyPem }),
    rejectUnauthorized: true,
  });
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options) => {
    const socket = connect(options) as TLSSocket;
    socket.cork();
    socket.once('secureConnect', () => {
      admitVerifiedPeer({
        socket,
        peerKey: toPeerKey({ hostname: options.host ?? '', port: options.port ?? 443 }),
        isRevoked,
        readEpoch,
        peers,
      }).then(
        () => socket.uncork(),
        (reason: unknown) => socket.destroy(toError(reason)),
      );
    });
    return socket;
  };
  return agent;
};

/**
 * Before a request may reuse a kept-alive connection, asks again whether the certificate that connection
 * verified has been revoked since (one lookup by primary key), unless a lookup begun at the current
 * revocation count already found it not revoked: removing a node must shut out its agent at once, not when
 * the pool happens to open a new connection. A revoked peer's connections are destroyed.
 */
const checkKeptAlivePeer = async ({
  url,
  peers,
  isRevoked,
  readEpoch,
}: {
  url: URL;
  peers: Map<string, VerifiedPeer>;
  isRevoked: AgentTls['isRevoked'];
  readEpoch: () => number;
}) => {
  const peerKey = toPeerKey({ hostname: url.hostname, port: url.port || '443' });
  const peer = peers.get(peerKey);
  if (!peer || peer.sockets.size === 0) return;
  const epoch = readEpoch();
  if (peer.checkedAtEpoch === epoch) return;
  if (!(await isRevoked(peer.serialNumber))) {
    // Vouched for from now on, unless a revocation was written while the lookup ran.
    if (peers.get(peerKey) === peer) peer.checkedAtEpoch = Math.max(peer.checkedAtEpoch, epoch);
    return;
  }
  peers.delete(peerKey);
  for (const socket of peer.sockets) socket.destroy();
  throw new Error(describeRevoked({ peerKey, serialNumber: peer.serialNumber }));
};

const toUrl = (input: string | URL | Request) =>
  new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);

/**
 * How the control plane reaches `https://` agents: verifies the agent's certificate against the cluster CA
 * alone (not the system roots: only our CA names agents), presents the control plane's client certificate,
 * and refuses a revoked one, on a new connection and on a kept-alive one alike. `send` carries queries and
 * mutations on kept-alive node:https connections (no WHATWG Request, Response or web streams per call);
 * `fetch` (undici) serves what needs a streamed body: the `events` subscription and `/metrics`. Each is one
 * connection pool for every agent, made at its first call.
 */
export const createAgentFetch = ({ tls }: { tls: AgentTls }) => {
  const peers = new Map<string, VerifiedPeer>();
  // Calls to one agent at once share one revocation lookup, never one that began before they asked.
  const isRevoked = createSharedRead({ read: tls.isRevoked });
  // Without a revocation count (replicas), no count is ever current: every request looks up.
  const { readRevocationEpoch } = tls;
  const readEpoch = readRevocationEpoch ?? (() => noEpoch);
  let dispatcher: Promise<Agent> | undefined;
  let callFetch: Promise<FetchEsque> | undefined;
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
            readEpoch,
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
  const readCallFetch = () => {
    callFetch ??= tls.readClientCredentials().then(
      (credentials) =>
        createKeepAliveFetch({
          agent: createCallAgent({ credentials, isRevoked, readEpoch, peers }),
          send: httpsRequest,
        }),
      (error: unknown) => {
        callFetch = undefined;
        throw error;
      },
    );
    return callFetch;
  };
  const streamingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    await checkKeptAlivePeer({ url: toUrl(input), peers, isRevoked, readEpoch });
    return fetchWithDispatcher(input as Parameters<typeof fetchWithDispatcher>[0], {
      ...(init as Parameters<typeof fetchWithDispatcher>[1]),
      dispatcher: await readDispatcher(),
    });
  }) as unknown as typeof fetch;
  const send: FetchEsque = async (input, init) => {
    await checkKeptAlivePeer({ url: toUrl(input as string | URL | Request), peers, isRevoked, readEpoch });
    return (await readCallFetch())(input, init);
  };
  return { fetch: streamingFetch, send };
};
