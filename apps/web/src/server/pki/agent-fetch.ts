import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, fetch as fetchWithDispatcher } from 'undici';
import type { TlsCredentials } from './cluster-authority.js';

/** What the control plane needs to reach agents over mTLS: its client identity and the revoked serials. */
export type AgentTls = {
  readClientCredentials: () => Promise<TlsCredentials>;
  /** Whether a serial number (uppercase hex) was revoked: an agent presenting it is refused. */
  isRevoked: (serialNumber: string) => Promise<boolean>;
};

/** Refuses an agent that shows a revoked certificate, once the TLS handshake has verified it. */
const refuseRevoked =
  ({ connect, isRevoked }: { connect: buildConnector.connector; isRevoked: AgentTls['isRevoked'] }) =>
  (options: buildConnector.Options, callback: buildConnector.Callback) =>
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      if (!('getPeerCertificate' in socket)) return callback(null, socket);
      const serialNumber = (socket as TLSSocket).getPeerCertificate().serialNumber?.toUpperCase() ?? '';
      isRevoked(serialNumber).then(
        (isRefused) => {
          if (!isRefused) return callback(null, socket);
          socket.destroy();
          callback(
            new Error(
              `the agent at ${options.hostname}:${options.port} showed certificate ${serialNumber}, which was revoked (its node was removed or its credentials rotated)`,
            ),
            null,
          );
        },
        (reason: unknown) => {
          socket.destroy();
          callback(reason instanceof Error ? reason : new Error(String(reason)), null);
        },
      );
    });

/**
 * A `fetch` for `https://` agents: verifies the agent's certificate against the cluster CA alone (not the
 * system roots: only our CA names agents), presents the control plane's client certificate, and refuses a
 * revoked one. One connection pool for every agent, made at the first call.
 */
export const createAgentFetch = ({ tls }: { tls: AgentTls }) => {
  let dispatcher: Promise<Agent> | undefined;
  const readDispatcher = () => {
    dispatcher ??= tls.readClientCredentials().then(
      ({ caCertificatePem, certificatePem, privateKeyPem }) =>
        new Agent({
          connect: refuseRevoked({
            connect: buildConnector({
              ca: caCertificatePem,
              cert: certificatePem,
              key: privateKeyPem,
              rejectUnauthorized: true,
            }),
            isRevoked: tls.isRevoked,
          }),
        }),
      (error: unknown) => {
        dispatcher = undefined;
        throw error;
      },
    );
    return dispatcher;
  };
  return (async (input: string | URL | Request, init?: RequestInit) =>
    fetchWithDispatcher(input as Parameters<typeof fetchWithDispatcher>[0], {
      ...(init as Parameters<typeof fetchWithDispatcher>[1]),
      dispatcher: await readDispatcher(),
    })) as unknown as typeof fetch;
};
