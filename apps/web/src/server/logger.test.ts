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
