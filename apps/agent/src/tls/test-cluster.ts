import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  createIssuedKeyPair,
  createKeyAndCertificateRequest,
  signCertificateRequest,
} from '@kudo/pki';
import { type AgentConfig, writeAgentConfig } from '../join/agent-config.js';
import { saveTlsCredentials } from './credential-service.js';

/**
 * For tests: a cluster CA, the control plane's client identity, and impostors (an agent's certificate of
 * the same CA, a "kudo-control-plane" of another CA), plus a config directory as join leaves it.
 */
export const createTestCluster = async () => {
  const ca = await createCertificateAuthority({ commonName: 'kudo test cluster CA', validityDays: 30 });
  const otherCa = await createCertificateAuthority({ commonName: 'kudo test cluster CA', validityDays: 30 });
  const client = ({ commonName, authority = ca }: { commonName: string; authority?: typeof ca }) =>
    createIssuedKeyPair({ ca: authority, commonName, usage: 'client', validityDays: 30 });
  const controlPlane = await client({ commonName: 'kudo-control-plane' });
  const otherAgent = await client({ commonName: 'node-b' });
  const foreignControlPlane = await client({ commonName: 'kudo-control-plane', authority: otherCa });

  /** An agent's config directory: key made "on the node", certificate from the CA, agent.json. */
  const createConfigDirectory = async ({ config }: { config: Omit<AgentConfig, 'version'> }) => {
    const directory = await mkdtemp(join(tmpdir(), 'kudo-agent-tls-'));
    const { privateKeyPem, csrPem } = await createKeyAndCertificateRequest({ commonName: config.nodeId });
    const { certificatePem } = await signCertificateRequest({
      ca,
      csrPem,
      commonName: config.nodeId,
      ipAddresses: [config.externalIpAddr],
      usage: 'server',
      validityDays: 30,
    });
    await saveTlsCredentials({
      directory,
      credentials: { keyPem: privateKeyPem, certificatePem, caCertificatePem: ca.certificatePem },
    });
    await writeAgentConfig({ directory, config: { version: 1, ...config } });
    return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
  };

  return { ca, otherCa, controlPlane, otherAgent, foreignControlPlane, createConfigDirectory };
};

export type TestIdentity = { privateKeyPem: string; certificatePem: string };

/**
 * One HTTPS request to an agent, verifying it against the cluster CA, with a client certificate and/or a
 * bearer token. Resolves with the status, the body and the serial of the certificate the agent showed.
 */
export const requestAgent = ({
  url,
  caCertificatePem,
  identity,
  token,
  method = 'GET',
  body,
}: {
  url: string;
  caCertificatePem: string;
  identity?: TestIdentity;
  token?: string;
  method?: 'GET' | 'POST';
  body?: unknown;
}) =>
  new Promise<{ status: number; body: unknown; serverSerial: string }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      url,
      {
        method,
        ca: caCertificatePem,
        agent: false,
        ...(identity ? { key: identity.privateKeyPem, cert: identity.certificatePem } : {}),
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (response) => {
        const serverSerial = (response.socket as import('node:tls').TLSSocket).getPeerCertificate()
          .serialNumber;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
            serverSerial: serverSerial.toUpperCase(),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
