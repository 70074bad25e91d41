import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from './logger.js';

describe('the control plane logger', () => {
  it('never writes a database password, in a field or inside a message', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line) => lines.push(line) } });
    logger.info({ database: 'postgresql://kudo:s3cr%40t@db.example:5432/kudo?sslmode=require' }, 'started');
    logger.error(
      { err: new Error('connect failed: postgres://admin:hunter2@10.0.0.9/kudo') },
      'host=db password=hunter3 dbname=kudo',
    );
    const output = lines.join('');
    expect(output).not.toMatch(/s3cr|hunter2|hunter3/);
    expect(output).toContain('postgresql://kudo:***@db.example:5432/kudo?sslmode=require');
    expect(output).toContain('postgres://admin:***@10.0.0.9/kudo');
    expect(output).toContain('password=***');
  });

  it('leaves URLs without a password as they are', () => {
    expect(
      redactSecrets('file:/var/lib/kudo/kudo.db and postgresql://kudo@db/kudo and https://node1:7443/x'),
    ).toBe('file:/var/lib/kudo/kudo.db and postgresql://kudo@db/kudo and https://node1:7443/x');
  });
});

describe('the control plane logger with secret fields', () => {
  it('blanks authorization, cookies, tokens and passwords, at the top, one level down and in headers', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line) => lines.push(line) } });
    logger.info(
      {
        authorization: 'Bearer top-level-bearer-1',
        token: 'join-token-2',
        password: 'admin-password-3',
        node: { agentToken: 'agent-token-4', name: 'node-1' },
        req: { headers: { cookie: 'kudo-session=cookie-5', 'user-agent': 'curl/8' } },
        res: { headers: { 'set-cookie': 'kudo-session=cookie-6; HttpOnly' } },
        user: { passwordHash: 'scrypt$hash-7' },
      },
      'request',
    );
    logger.warn('refused Authorization: Bearer quoted-bearer-credential-8');
    const output = lines.join('');
    for (const secret of ['bearer-1', 'token-2', 'password-3', 'token-4', 'cookie-5', 'cookie-6', 'hash-7'])
      expect(output).not.toContain(secret);
    expect(output).not.toContain('quoted-bearer-credential-8');
    expect(output).toContain('Bearer ***');
    expect(output).toContain('"name":"node-1"');
    expect(output).toContain('"user-agent":"curl/8"');
    expect(output.match(/\[redacted\]/g)).toHaveLength(7);
  });
});
