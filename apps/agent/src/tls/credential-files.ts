import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The files an agent keeps in its config directory (default /etc/kudo). */
export const credentialFileNames = {
  key: 'agent.key',
  certificate: 'agent.crt',
  caCertificate: 'ca.crt',
  nextKey: 'agent.key.next',
  config: 'agent.json',
} as const;

export const readCredentialPaths = ({ directory }: { directory: string }) => ({
  key: join(directory, credentialFileNames.key),
  certificate: join(directory, credentialFileNames.certificate),
  caCertificate: join(directory, credentialFileNames.caCertificate),
  nextKey: join(directory, credentialFileNames.nextKey),
  config: join(directory, credentialFileNames.config),
});

/** Key, certificate and cluster CA, as PEM: what a TLS context of the agent is made of. */
export type TlsCredentials = { keyPem: string; certificatePem: string; caCertificatePem: string };

/**
 * Writes a file so that a reader sees the old content or the new, never half of it: a temporary file in
 * the same directory, created with its final mode (a key is never readable by others, not even for a
 * moment), flushed, then renamed over the target.
 */
export const writeFileAtomically = async ({
  path,
  content,
  mode,
}: {
  path: string;
  content: string;
  mode: number;
}) => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

export const readTextFile = (path: string) => readFile(path, 'utf8');
