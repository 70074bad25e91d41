import { rm } from 'node:fs/promises';
import {
  createKeyAndCertificateRequest,
  isCertificateIssuedBy,
  isKeyOfCertificate,
  readCertificate,
} from '@kudo/pki';
import { AgentError } from '../errors.js';
import {
  readCredentialPaths,
  readTextFile,
  type TlsCredentials,
  writeFileAtomically,
} from './credential-files.js';

const privateMode = 0o600;
const publicMode = 0o644;

/** Refuses credentials whose certificate is not from the cluster CA, or not for the key beside it. */
export const checkCredentials = ({ credentials, at }: { credentials: TlsCredentials; at?: Date }) => {
  const { keyPem, certificatePem, caCertificatePem } = credentials;
  if (!isCertificateIssuedBy({ certificatePem, caCertificatePem, ...(at ? { at } : {}) }))
    return 'the certificate is not issued by the cluster CA, or is not valid now';
  if (!isKeyOfCertificate({ certificatePem, privateKeyPem: keyPem }))
    return 'the certificate is not for the agent key';
  return undefined;
};

/** Reads and checks the agent's key, certificate and cluster CA from its config directory. */
export const loadTlsCredentials = async ({ directory }: { directory: string }): Promise<TlsCredentials> => {
  const paths = readCredentialPaths({ directory });
  let credentials: TlsCredentials;
  try {
    const [keyPem, certificatePem, caCertificatePem] = await Promise.all([
      readTextFile(paths.key),
      readTextFile(paths.certificate),
      readTextFile(paths.caCertificate),
    ]);
    credentials = { keyPem, certificatePem, caCertificatePem };
  } catch (error) {
    throw new AgentError({
      code: 'CREDENTIALS',
      field: '--config-dir',
      reason: `cannot read the agent's key, certificate and CA in ${directory}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  let problem: string | undefined;
  try {
    problem = checkCredentials({ credentials });
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  if (problem)
    throw new AgentError({ code: 'CREDENTIALS', field: '--config-dir', reason: `${directory}: ${problem}` });
  return credentials;
};

/** Writes a joined agent's credentials: the key 0600, certificates world-readable. */
export const saveTlsCredentials = async ({
  directory,
  credentials,
}: {
  directory: string;
  credentials: TlsCredentials;
}) => {
  const paths = readCredentialPaths({ directory });
  await writeFileAtomically({
    path: paths.caCertificate,
    content: credentials.caCertificatePem,
    mode: publicMode,
  });
  await writeFileAtomically({ path: paths.key, content: credentials.keyPem, mode: privateMode });
  await writeFileAtomically({
    path: paths.certificate,
    content: credentials.certificatePem,
    mode: publicMode,
  });
};

export class CredentialRefusal extends Error {
  override readonly name = 'CredentialRefusal';
  constructor(
    readonly kind: 'NO_TLS' | 'NO_PENDING_KEY' | 'INVALID_CERTIFICATE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The agent's live TLS credentials and their renewal, driven by the control plane: `createRequest` makes
 * a new key (kept pending, in memory and in agent.key.next) and returns its CSR; `install` takes the
 * certificate the CA issued for it, writes key and certificate, and tells the listeners (the server swaps
 * its TLS context, so the next handshake uses them and no connection is dropped).
 */
export const createCredentialService = ({
  directory,
  nodeId,
  initial,
}: {
  directory: string;
  nodeId: string;
  initial: TlsCredentials;
}) => {
  const paths = readCredentialPaths({ directory });
  let current = initial;
  let pendingKeyPem: string | undefined;
  const listeners: ((credentials: TlsCredentials) => void)[] = [];

  const describe = () => {
    const { serialNumber, notAfter } = readCertificate({ certificatePem: current.certificatePem });
    return { serialNumber, notAfter: notAfter.toISOString() };
  };

  const createRequest = async () => {
    const { ipAddresses, dnsNames } = readCertificate({ certificatePem: current.certificatePem });
    const { privateKeyPem, csrPem } = await createKeyAndCertificateRequest({
      commonName: nodeId,
      ipAddresses,
      dnsNames,
    });
    await writeFileAtomically({ path: paths.nextKey, content: privateKeyPem, mode: privateMode });
    pendingKeyPem = privateKeyPem;
    return { csrPem };
  };

  const install = async ({ certificatePem }: { certificatePem: string }) => {
    if (pendingKeyPem === undefined)
      throw new CredentialRefusal('NO_PENDING_KEY', 'no pending key: call credentials.createRequest first');
    const next = { keyPem: pendingKeyPem, certificatePem, caCertificatePem: current.caCertificatePem };
    let problem: string | undefined;
    try {
      problem = checkCredentials({ credentials: next });
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem) throw new CredentialRefusal('INVALID_CERTIFICATE', `certificatePem: ${problem}`);
    // Each file is replaced atomically; a crash between the two leaves a pair that does not match, which
    // `run` refuses with a clear reason (rejoin, or copy agent.key.next, still there, over agent.key).
    await writeFileAtomically({ path: paths.key, content: next.keyPem, mode: privateMode });
    await writeFileAtomically({ path: paths.certificate, content: next.certificatePem, mode: publicMode });
    await rm(paths.nextKey, { force: true });
    pendingKeyPem = undefined;
    current = next;
    for (const listener of listeners) listener(current);
    return describe();
  };

  return {
    getCurrent: () => current,
    describe,
    createRequest,
    install,
    onInstalled: (listener: (credentials: TlsCredentials) => void) => {
      listeners.push(listener);
    },
  };
};

export type CredentialService = ReturnType<typeof createCredentialService>;
