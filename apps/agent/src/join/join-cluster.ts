import { access } from 'node:fs/promises';
import { createKeyAndCertificateRequest, fingerprintCertificate } from '@kudo/pki';
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { AgentError } from '../errors.js';
import { agentApiVersion } from '../services/health.js';
import { readCredentialPaths } from '../tls/credential-files.js';
import { checkCredentials, saveTlsCredentials } from '../tls/credential-service.js';
import { type AgentConfig, writeAgentConfig } from './agent-config.js';
import { findExternalAddress } from './external-address.js';
import { type JsonResponse, requestJson } from './https-json.js';

const ZCaAnswer = z.object({ caCertificatePem: z.string().min(1) });
const ZJoinAnswer = z.object({
  nodeId: z.string().min(1),
  certificatePem: z.string().min(1),
  caCertificatePem: z.string().min(1),
  notAfter: z.string(),
});
const ZRefusal = z.object({
  error: z.object({ code: z.string(), field: z.string().optional(), message: z.string() }),
});

export type JoinClusterOptions = {
  server: string;
  token: string;
  caHash: string;
  nodeId: string | undefined;
  listen: { host: string; port: number };
  externalAddress: string | undefined;
  configDirectory: string;
  tokenFile: string | undefined;
  namespacePrefix?: string | undefined;
};

const failJoin = ({ reason, cause }: { reason: string; cause?: unknown }) =>
  new AgentError({ code: 'JOIN_FAILED', field: '--server', reason, cause });

const call = async ({ step, ...request }: Parameters<typeof requestJson>[0] & { step: string }) => {
  try {
    return await requestJson(request);
  } catch (error) {
    throw failJoin({
      reason: `${step}: cannot reach ${request.url}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
};

/** The control plane's refusal, in its own words (`{ error: { code, field, message } }`). */
const toRefusal = ({ step, response }: { step: string; response: JsonResponse }) => {
  const refusal = ZRefusal.safeParse(response.body);
  if (!refusal.success)
    return failJoin({
      reason: `${step}: the control plane answered HTTP ${response.status}: ${String(JSON.stringify(response.body)).slice(0, 200)}`,
    });
  const { code, field, message } = refusal.data.error;
  return new AgentError({
    code: 'JOIN_REFUSED',
    field: field === 'nodeId' ? '--node-id' : field === 'token' ? '--token' : field,
    reason: `the control plane refused the join (${code}): ${message}`,
  });
};

const hostInUrl = (address: string) => (address.includes(':') ? `[${address}]` : address);

/**
 * `join`, as in docs/security.md: fetch the control plane's CA and check it against --ca-hash (refuse on a
 * mismatch: a man in the middle; nothing saved), make the agent key here, send its CSR with the token over
 * TLS verified against that CA, check what comes back, then save key (0600), certificates and agent.json.
 */
export const joinCluster = async (options: JoinClusterOptions): Promise<AgentConfig> => {
  const { server, token, caHash, nodeId, listen, configDirectory, tokenFile } = options;
  const paths = readCredentialPaths({ directory: configDirectory });
  const isJoined = await access(paths.config).then(
    () => true,
    () => false,
  );
  if (isJoined)
    throw new AgentError({
      code: 'INVALID_OPTION',
      field: '--config-dir',
      reason: `${paths.config} exists: this node has joined already. Start it with run --config-dir ${configDirectory}, or remove the directory to join again`,
    });

  const caResponse = await call({
    step: 'fetching the CA',
    url: `${server}/api/join/ca`,
    method: 'GET',
    trust: 'nothing-yet',
  });
  const caAnswer = ZCaAnswer.safeParse(caResponse.body);
  if (caResponse.status !== 200 || !caAnswer.success)
    throw toRefusal({ step: 'fetching the CA', response: caResponse });
  const { caCertificatePem } = caAnswer.data;
  let presentedHash: string;
  try {
    presentedHash = fingerprintCertificate({ certificatePem: caCertificatePem });
  } catch (error) {
    throw failJoin({ reason: 'the control plane sent a CA that is no certificate', cause: error });
  }
  if (presentedHash !== caHash)
    throw new AgentError({
      code: 'CA_MISMATCH',
      field: '--ca-hash',
      reason: `the control plane's CA is ${presentedHash}, not the one given (${caHash}): someone may be in the middle. Nothing was saved; check the join command in the dashboard`,
    });

  const externalIpAddr = await findExternalAddress({
    externalAddress: options.externalAddress,
    listenHost: listen.host,
    serverUrl: server,
  });
  const { privateKeyPem, csrPem } = await createKeyAndCertificateRequest({
    commonName: nodeId ?? 'kudo-agent',
    ipAddresses: [externalIpAddr],
  });
  const agentUrl = `https://${hostInUrl(externalIpAddr)}:${listen.port}`;
  const joinResponse = await call({
    step: 'joining',
    url: `${server}/api/join`,
    method: 'POST',
    trust: { caCertificatePem },
    body: {
      token,
      nodeId,
      csrPem,
      agentUrl,
      externalIpAddr,
      agentVersion: packageJson.version,
      apiVersion: agentApiVersion,
    },
  });
  const joined = ZJoinAnswer.safeParse(joinResponse.body);
  if (joinResponse.status !== 200 || !joined.success)
    throw toRefusal({ step: 'joining', response: joinResponse });
  const credentials = {
    keyPem: privateKeyPem,
    certificatePem: joined.data.certificatePem,
    caCertificatePem,
  };
  const problem = checkCredentials({ credentials });
  if (problem)
    throw failJoin({ reason: `the control plane sent a certificate that does not fit: ${problem}` });

  const config: AgentConfig = {
    version: 1,
    nodeId: joined.data.nodeId,
    server,
    listen: `${hostInUrl(listen.host)}:${listen.port}`,
    agentUrl,
    externalIpAddr,
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(options.namespacePrefix === undefined ? {} : { namespacePrefix: options.namespacePrefix }),
  };
  await saveTlsCredentials({ directory: configDirectory, credentials });
  await writeAgentConfig({ directory: configDirectory, config });
  return config;
};
