import { describe, expect, it } from 'vitest';
import {
  defaultScryptParams,
  generatePassword,
  hashPassword,
  isPasswordCorrect,
  toStoredPassword,
} from './password-hash';

describe('password hashes', () => {
  it('keep the scrypt parameters and salt beside the hash, and check only the right password', async () => {
    const stored = await hashPassword({ password: 'correct horse battery' });
    expect(JSON.parse(stored.passwordParams)).toEqual({
      algorithm: 'scrypt',
      ...defaultScryptParams,
      salt: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(stored.passwordHash).toMatch(/^[0-9a-f]{64}$/);
    await expect(isPasswordCorrect({ password: 'correct horse battery', stored })).resolves.toBe(true);
    await expect(isPasswordCorrect({ password: 'correct horse batterY', stored })).resolves.toBe(false);
  });

  it('salt every hash, so one password gives two hashes', async () => {
    const [first, second] = await Promise.all([
      hashPassword({ password: 'same password' }),
      hashPassword({ password: 'same password' }),
    ]);
    expect(first.passwordHash).not.toBe(second.passwordHash);
  });

  it('check with the parameters stored, whatever they are (a cheaper N here)', async () => {
    const stored = await hashPassword({ password: 'p4ssword-long' });
    const params = { ...JSON.parse(stored.passwordParams), N: 1024 };
    const { scryptSync } = await import('node:crypto');
    const hash = scryptSync('p4ssword-long', Buffer.from(params.salt, 'hex'), 32, { N: 1024 }).toString(
      'hex',
    );
    const cheaper = { passwordHash: hash, passwordParams: JSON.stringify(params) };
    await expect(isPasswordCorrect({ password: 'p4ssword-long', stored: cheaper })).resolves.toBe(true);
  });

  it('refuse an unreadable parameter record instead of throwing', async () => {
    const stored = { passwordHash: '00', passwordParams: '{"algorithm":"md5"}' };
    await expect(isPasswordCorrect({ password: 'x', stored })).resolves.toBe(false);
  });

  it("read an earlier version's auth.json account (node's scrypt defaults)", async () => {
    const { scryptSync } = await import('node:crypto');
    const salt = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const hash = scryptSync('legacy-password', Buffer.from(salt, 'hex'), 32).toString('hex');
    const stored = toStoredPassword({ salt, hash });
    await expect(isPasswordCorrect({ password: 'legacy-password', stored })).resolves.toBe(true);
  });

  it('generate passwords of 20 characters without look-alikes', () => {
    expect(generatePassword()).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
  });
});
