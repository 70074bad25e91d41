import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PkiError } from './errors.js';

// @peculiar/x509 works on WebCrypto; Node's implementation is the one it uses everywhere here. (A program
// compiled with the DOM's types, like the dashboard, sees the DOM's Crypto type there: the same API.)
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

/** Every key of the cluster: ECDSA on P-256, signatures with SHA-256. */
export const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export const createKeyPair = () =>
  webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

/** A private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), what node:tls and openssl read. */
export const exportPrivateKeyPem = async (key: webcrypto.CryptoKey) =>
  x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

/** Reads a PKCS#8 PEM P-256 key for signing. */
export const importPrivateKeyPem = async ({
  privateKeyPem,
  field,
}: {
  privateKeyPem: string;
  field: string;
}) => {
  try {
    const [der] = x509.PemConverter.decode(privateKeyPem);
    if (!der) throw new Error('no PEM block');
    return await webcrypto.subtle.importKey('pkcs8', der, keyAlgorithm, false, ['sign']);
  } catch (error) {
    throw new PkiError({
      code: 'INVALID_KEY',
      field,
      reason: 'must be a PKCS#8 PEM ECDSA P-256 private key',
      cause: error,
    });
  }
};

export { x509 };
