import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLogsForSecrets, findSecretsInTexts } from './log-secrets.js';

const secrets = [
  { label: 'admin password', value: 'p4ss/w+rd"quoted' },
  { label: 'API token', value: 'kudo_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
];

describe('finding secrets in logs', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-log-secrets-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('finds a secret as it is, URL-encoded or JSON-escaped, and names it by its label only', () => {
    const found = findSecretsInTexts({
      secrets,
      texts: [
        {
          file: 'web.log',
          content: `{"msg":"sign-in","body":"${JSON.stringify(secrets[0]?.value).slice(1, -1)}"}`,
        },
        { file: 'agents.log', content: `GET /?token=${encodeURIComponent(secrets[0]?.value ?? '')}` },
        { file: 'other.log', content: `Authorization: Bearer ${secrets[1]?.value}` },
        { file: 'clean.log', content: 'Authorization: Bearer ***' },
      ],
    });
    expect(found).toEqual([
      'admin password in web.log',
      'admin password in agents.log',
      'API token in other.log',
    ]);
  });

  it('refuses to check nothing, or a secret too short to tell from chance', () => {
    expect(() => findSecretsInTexts({ secrets: [], texts: [] })).toThrow(/no secrets/);
    expect(() => findSecretsInTexts({ secrets: [{ label: 'pin', value: '1234' }], texts: [] })).toThrow(
      /too short/,
    );
  });

  it('throws on a secret in a log file; keeps clean logs; a missing log file is an error', async () => {
    const web = join(directory, 'web.log');
    await writeFile(web, `{"msg":"ok"}\n{"token":"${secrets[1]?.value}"}\n`);
    await expect(checkLogsForSecrets({ files: [web], secrets })).rejects.toThrow(`API token in ${web}`);
    await writeFile(web, '{"msg":"ok","token":"[redacted]"}\n');
    const keepIn = join(directory, 'kept');
    await expect(checkLogsForSecrets({ files: [web], secrets, keepIn })).resolves.toEqual({
      checkedBytes: 34,
    });
    expect(await readFile(join(keepIn, 'web.log'), 'utf8')).toContain('[redacted]');
    await expect(checkLogsForSecrets({ files: [join(directory, 'agents.log')], secrets })).rejects.toThrow(
      /ENOENT/,
    );
  });
});
