import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeGeneratedPasswords, findAccount, loadCredentials } from './credentials';

let directory: string;
let file: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-auth-test-'));
  file = join(directory, 'data', 'auth.json');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadCredentials', () => {
  it('generates both passwords at first start, shows them once, and keeps only hashes (mode 0600)', async () => {
    const first = await loadCredentials({ file });
    const { admin, viewer } = first.generated;
    expect(admin).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(viewer).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(describeGeneratedPasswords(first)).toContain(admin);
    const stored = await readFile(file, 'utf8');
    expect(stored).not.toContain(admin);
    expect(stored).not.toContain(viewer);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await loadCredentials({ file });
    expect(second.generated).toEqual({});
    expect(describeGeneratedPasswords(second)).toBeUndefined();
    expect(second.sessionSecret).toBe(first.sessionSecret);
    await expect(findAccount({ credentials: second, name: 'admin', password: admin ?? '' })).resolves.toBe(
      'admin',
    );
    await expect(findAccount({ credentials: second, name: 'viewer', password: viewer ?? '' })).resolves.toBe(
      'viewer',
    );
  });

  it('takes passwords and the cookie secret from the environment when given', async () => {
    const credentials = await loadCredentials({
      file,
      adminPassword: 'admin-password',
      viewerPassword: 'viewer-password',
      sessionSecret: 's'.repeat(40),
    });
    expect(credentials.generated).toEqual({});
    expect(credentials.sessionSecret).toBe('s'.repeat(40));
    await expect(findAccount({ credentials, name: 'admin', password: 'admin-password' })).resolves.toBe(
      'admin',
    );
    await expect(
      findAccount({ credentials, name: 'admin', password: 'viewer-password' }),
    ).resolves.toBeUndefined();
  });

  it('refuses wrong passwords and unknown names', async () => {
    const credentials = await loadCredentials({
      file,
      adminPassword: 'admin-password',
      viewerPassword: 'viewer-pass',
    });
    await expect(
      findAccount({ credentials, name: 'admin', password: 'admin-passwor' }),
    ).resolves.toBeUndefined();
    await expect(
      findAccount({ credentials, name: 'root', password: 'admin-password' }),
    ).resolves.toBeUndefined();
    await expect(findAccount({ credentials, name: 'admin', password: '' })).resolves.toBeUndefined();
  });

  it('two processes starting at once agree on one set of credentials', async () => {
    const [a, b] = await Promise.all([loadCredentials({ file }), loadCredentials({ file })]);
    expect(a.sessionSecret).toBe(b.sessionSecret);
    // Only the process that wrote the file shows passwords, and they are the ones that work.
    const shown = [a, b].filter((credentials) => credentials.generated.admin);
    expect(shown).toHaveLength(1);
    const password = shown[0]?.generated.admin ?? '';
    await expect(findAccount({ credentials: a, name: 'admin', password })).resolves.toBe('admin');
    await expect(findAccount({ credentials: b, name: 'admin', password })).resolves.toBe('admin');
  });
});
