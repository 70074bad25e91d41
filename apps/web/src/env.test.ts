import { describe, expect, it } from 'vitest';
import { readEnv } from './env.js';

describe('the database of the control plane', () => {
  it('is SQLite in the data directory by default', () => {
    const env = readEnv({ KUDO_DATA_DIR: '/var/lib/kudo' });
    expect(env).toMatchObject({ databaseUrl: 'file:/var/lib/kudo/kudo.db', databaseProvider: 'sqlite' });
  });

  it('is PostgreSQL for a postgresql:// URL, KUDO_DATABASE_URL winning over DATABASE_URL', () => {
    const env = readEnv({
      DATABASE_URL: 'file:/tmp/ignored.db',
      KUDO_DATABASE_URL: 'postgresql://kudo:secret@db.example:5432/kudo',
    });
    expect(env).toMatchObject({
      databaseUrl: 'postgresql://kudo:secret@db.example:5432/kudo',
      databaseProvider: 'postgresql',
    });
  });

  it('refuses any other URL, naming the variable', () => {
    expect(() => readEnv({ DATABASE_URL: 'mysql://db/kudo' })).toThrow(
      /DATABASE_URL: must be a SQLite URL .* or a PostgreSQL URL/,
    );
  });
});
