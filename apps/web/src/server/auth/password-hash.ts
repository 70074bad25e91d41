import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** scrypt's cost parameters and the salt, stored beside each hash so they can be raised later. */
const ZPasswordParams = z.object({
  algorithm: z.literal('scrypt'),
  N: z.number().int().min(2),
  r: z.number().int().min(1),
  p: z.number().int().min(1),
  keylen: z.number().int().min(16).max(128),
  salt: z.string().regex(/^[0-9a-f]+$/),
});
type PasswordParams = z.infer<typeof ZPasswordParams>;

/** What a User row keeps of a password: the hash (hex) and the parameters it was made with (JSON). */
export type StoredPassword = { passwordHash: string; passwordParams: string };

/** Node's scrypt defaults (also what auth.json of earlier versions used): about 50 ms a hash. */
export const defaultScryptParams = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

const deriveKey = ({ password, params }: { password: string; params: PasswordParams }) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      Buffer.from(params.salt, 'hex'),
      params.keylen,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1_048_576 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );

/** Hashes a password with a fresh salt. */
export const hashPassword = async ({ password }: { password: string }): Promise<StoredPassword> => {
  const params: PasswordParams = {
    algorithm: 'scrypt',
    ...defaultScryptParams,
    salt: randomBytes(16).toString('hex'),
  };
  const key = await deriveKey({ password, params });
  return { passwordHash: key.toString('hex'), passwordParams: JSON.stringify(params) };
};

/** A hash with the parameters of an auth.json account of earlier versions (hex salt and hash, defaults). */
export const toStoredPassword = ({ salt, hash }: { salt: string; hash: string }): StoredPassword => ({
  passwordHash: hash,
  passwordParams: JSON.stringify({ algorithm: 'scrypt', ...defaultScryptParams, salt }),
});

/** Constant-time comparison of a password with its stored hash; false for an unreadable hash. */
export const isPasswordCorrect = async ({
  password,
  stored,
}: {
  password: string;
  stored: StoredPassword;
}) => {
  let params: PasswordParams;
  try {
    params = ZPasswordParams.parse(JSON.parse(stored.passwordParams));
  } catch {
    return false;
  }
  const expected = Buffer.from(stored.passwordHash, 'hex');
  const actual = await deriveKey({ password, params });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

let dummy: Promise<StoredPassword> | undefined;

/**
 * Checks a password against a hash nobody knows the password of: a sign-in with an unknown name (or a
 * user without a password yet) costs the same hash as a real one, so timing does not tell which names exist.
 */
export const checkDummyPassword = async ({ password }: { password: string }) => {
  dummy ??= hashPassword({ password: randomBytes(16).toString('hex') });
  await isPasswordCorrect({ password, stored: await dummy });
  return false;
};

/** A password a person can type: 20 characters from an alphabet without look-alikes (about 113 bits). */
export const generatePassword = () => {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(20), (byte) => alphabet[byte % alphabet.length]).join('');
};
