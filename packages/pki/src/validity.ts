import { randomBytes } from 'node:crypto';

/** Certificates start a few minutes in the past, so a peer whose clock is a little behind accepts them. */
const clockSkewMs = 5 * 60_000;

export const readValidity = ({ validityDays, now = new Date() }: { validityDays: number; now?: Date }) => ({
  notBefore: new Date(now.getTime() - clockSkewMs),
  notAfter: new Date(now.getTime() + validityDays * 86_400_000),
});

/**
 * 16 random bytes, the first between 0x10 and 0x7f: positive (RFC 5280) and without a leading zero, so
 * the hex reads the same in every tool (node:tls, openssl, the database).
 */
export const createSerialNumber = () => {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex').toUpperCase();
};
