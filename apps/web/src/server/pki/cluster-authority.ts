import { constants } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CertificateAuthority,
  controlPlaneCommonName,
  createCertificateAuthority,
  createIssuedKeyPair,
  fingerprintCertificate,
  signCertificateRequest,
} from '@kudo/pki';
import { WebError } from '../errors/web-error.js';

/** How long what the cluster CA issues lasts: agents are renewed when a third of this is left. */
export const certificateLifetimes = { caDays: 3650, agentDays: 90, controlPlaneDays: 365 } as const;

/** The files of the cluster CA in the control plane's data directory. */
export const caFileNames = { key: 'ca.key', certificate: 'ca.crt' } as const;

/** Key, certificate and the CA to verify peers with: what a TLS endpoint of ours is configured with. */
export type TlsCredentials = { caCertificatePem: string; certificatePem: string; privateKeyPem: string };

/** A new cluster CA, key and certificate (in memory). */
export const createClusterCa = () =>
  createCertificateAuthority({ commonName: 'Kudo cluster CA', validityDays: certificateLifetimes.caDays });

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

const readOptional = async (path: string) => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
};

/**
 * The cluster CA of `directory`: read from `ca.key` and `ca.crt`, or created there if neither exists
 * (the key 0600, written exclusively so two processes never make two CAs). One file without the other is
 * refused: replacing either would cut every agent off.
 */
export const loadOrCreateCertificateAuthority = async ({
  directory,
}: {
  directory: string;
}): Promise<CertificateAuthority> => {
  const keyPath = join(directory, caFileNames.key);
  const certificatePath = join(directory, caFileNames.certificate);
  const [privateKeyPem, certificatePem] = await Promise.all([
    readOptional(keyPath),
    readOptional(certificatePath),
  ]);
  if (privateKeyPem && certificatePem) {
    // A copied-in key may have kept a wider mode: it signs every certificate of the cluster.
    await chmod(keyPath, 0o600);
    return { privateKeyPem, certificatePem };
  }
  if (privateKeyPem || certificatePem)
    throw new WebError({
      code: 'INTERNAL',
      message: `the cluster CA in ${directory} is incomplete: ${privateKeyPem ? caFileNames.certificate : caFileNames.key} is missing (restore it from a backup; a new CA would cut every node off)`,
    });
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const authority = await createClusterCa();
  const exclusive = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;
  await writeFile(keyPath, authority.privateKeyPem, { mode: 0o600, flag: exclusive });
  await writeFile(certificatePath, authority.certificatePem, { mode: 0o644, flag: exclusive });
  return authority;
};

/**
 * A cluster CA got by `loadCa` on first use (again after a failure): it signs agent certificates and the
 * control plane's own client (and optionally serving) certificate, which is issued afresh at every start.
 * Only the CA's certificate ever leaves it.
 */
export const createClusterAuthority = ({ loadCa }: { loadCa: () => Promise<CertificateAuthority> }) => {
  let loading: Promise<CertificateAuthority> | undefined;
  let client: Promise<TlsCredentials> | undefined;
  const load = () => {
    loading ??= loadCa().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  const issue = async ({
    commonName,
    usage,
    ipAddresses = [],
    dnsNames = [],
  }: {
    commonName: string;
    usage: 'server' | 'client';
    ipAddresses?: string[];
    dnsNames?: string[];
  }): Promise<TlsCredentials> => {
    const ca = await load();
    const issued = await createIssuedKeyPair({
      ca,
      commonName,
      usage,
      ipAddresses,
      dnsNames,
      validityDays: certificateLifetimes.controlPlaneDays,
    });
    return {
      caCertificatePem: ca.certificatePem,
      certificatePem: issued.certificatePem,
      privateKeyPem: issued.privateKeyPem,
    };
  };
  return {
    readCaCertificatePem: async () => (await load()).certificatePem,
    /** What `join --ca-hash` carries: `sha256:` and the hex SHA-256 of the CA certificate's DER. */
    readFingerprint: async () => fingerprintCertificate({ certificatePem: (await load()).certificatePem }),
    /** The control plane's client certificate (CN kudo-control-plane): what agents accept. */
    readClientCredentials: () => {
      client ??= issue({ commonName: controlPlaneCommonName, usage: 'client' }).catch((error: unknown) => {
        client = undefined;
        throw error;
      });
      return client;
    },
    /** A serving certificate for the control plane's HTTPS listener (KUDO_TLS=ca). */
    issueServingCredentials: ({
      commonName,
      ipAddresses,
      dnsNames,
    }: {
      commonName: string;
      ipAddresses: string[];
      dnsNames: string[];
    }) => issue({ commonName, usage: 'server', ipAddresses, dnsNames }),
    /** Signs an agent's request: the subject and addresses are the CA's decision, not the request's. */
    signAgentRequest: async ({
      csrPem,
      nodeId,
      ipAddresses,
      dnsNames,
    }: {
      csrPem: string;
      nodeId: string;
      ipAddresses: string[];
      dnsNames: string[];
    }) =>
      signCertificateRequest({
        ca: await load(),
        csrPem,
        commonName: nodeId,
        ipAddresses,
        dnsNames,
        usage: 'server',
        validityDays: certificateLifetimes.agentDays,
      }),
  };
};

export type ClusterAuthority = ReturnType<typeof createClusterAuthority>;

/** The control plane's cluster CA in its data directory (`ca.key`, `ca.crt`), read or created on first use. */
export const openClusterAuthority = ({ directory }: { directory: string }) =>
  createClusterAuthority({ loadCa: () => loadOrCreateCertificateAuthority({ directory }) });
