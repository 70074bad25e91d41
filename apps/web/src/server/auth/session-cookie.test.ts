import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Credentials, loadCredentials } from './credentials';
import { isSecureCookie, readCookie, sealSession, unsealSession } from './session-cookie';

let directory: string;
let credentials: Credentials;
const ttlSeconds = 3600;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-session-test-'));
  credentials = await loadCredentials({
    file: join(directory, 'auth.json'),
    adminPassword: 'admin-password',
    viewerPassword: 'viewer-password',
  });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('session cookie', () => {
  it('carries the account and its role', async () => {
    const sealed = await sealSession({ credentials, account: 'viewer', ttlSeconds });
    await expect(unsealSession({ credentials, sealed, ttlSeconds })).resolves.toEqual({
      name: 'viewer',
      role: 'viewer',
    });
  });

  it('is refused when missing, tampered with, or sealed with another secret', async () => {
    const sealed = await sealSession({ credentials, account: 'admin', ttlSeconds });
    await expect(unsealSession({ credentials, sealed: undefined, ttlSeconds })).resolves.toBeNull();
    const tampered = `${sealed.slice(0, 40)}${sealed[40] === 'A' ? 'B' : 'A'}${sealed.slice(41)}`;
    await expect(unsealSession({ credentials, sealed: tampered, ttlSeconds })).resolves.toBeNull();
    const other = { ...credentials, sessionSecret: 'x'.repeat(64) };
    await expect(unsealSession({ credentials: other, sealed, ttlSeconds })).resolves.toBeNull();
  });

  it('expires', async () => {
    const issued = Date.now() - 2 * ttlSeconds * 1000;
    const sealed = await sealSession({
      credentials,
      account: 'admin',
      ttlSeconds: 10 * ttlSeconds,
      now: issued,
    });
    await expect(unsealSession({ credentials, sealed, ttlSeconds })).resolves.toBeNull();
  });

  it('stops working when the account password changes', async () => {
    const sealed = await sealSession({ credentials, account: 'admin', ttlSeconds });
    const changed = await loadCredentials({
      file: join(directory, 'auth.json'),
      adminPassword: 'a-new-password',
      viewerPassword: 'viewer-password',
    });
    await expect(unsealSession({ credentials: changed, sealed, ttlSeconds })).resolves.toBeNull();
  });

  it('reads one cookie from a Cookie header', () => {
    expect(readCookie({ header: 'a=1; kudo_session=Fe26.2*abc; b=2', name: 'kudo_session' })).toBe(
      'Fe26.2*abc',
    );
    expect(readCookie({ header: 'kudo_session_old=1', name: 'kudo_session' })).toBeUndefined();
    expect(readCookie({ header: null, name: 'kudo_session' })).toBeUndefined();
  });

  it('is Secure on HTTPS (directly or behind a proxy that says so) in auto mode', () => {
    const headers = new Headers();
    expect(isSecureCookie({ mode: 'auto', url: 'http://127.0.0.1:3000/x', headers })).toBe(false);
    expect(isSecureCookie({ mode: 'auto', url: 'https://kudo.example/x', headers })).toBe(true);
    expect(
      isSecureCookie({
        mode: 'auto',
        url: 'http://10.0.0.1/x',
        headers: new Headers({ 'x-forwarded-proto': 'https' }),
      }),
    ).toBe(true);
    expect(isSecureCookie({ mode: 'always', url: 'http://127.0.0.1/x', headers })).toBe(true);
    expect(isSecureCookie({ mode: 'never', url: 'https://kudo.example/x', headers })).toBe(false);
  });
});
