import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first, so neither
 * the content nor the length of the expected token leaks through timing.
 */
export const isTokenValid = ({ expected, presented }: { expected: string; presented: string | undefined }) =>
  createTokenCheck({ expected })(presented);

/** `isTokenValid` for one expected token, hashed once: what a server runs on every request. */
export const createTokenCheck = ({ expected }: { expected: string }) => {
  const expectedDigest = digest(expected);
  return (presented: string | undefined) =>
    presented !== undefined && timingSafeEqual(expectedDigest, digest(presented));
};

/** The token of an `Authorization: Bearer TOKEN` header, or undefined. */
export const readBearerToken = (header: string | string[] | undefined) => {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1];
};

/** Whether a listen address only accepts connections from this machine. */
export const isLoopbackAddress = (address: string) =>
  address === 'localhost' || address === '::1' || /^127(\.\d{1,3}){3}$/.test(address);

/** The token from a token file's content: surrounding whitespace (the final newline) removed. */
export const parseTokenFile = (content: string) => content.trim();
