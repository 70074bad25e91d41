import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepositoryRoot } from './migrate-database.js';
import { toPostgresSchema } from './postgres-schema.js';

const prismaDir = join(findRepositoryRoot({ from: import.meta.dirname }), 'prisma');

describe('the PostgreSQL schema', () => {
  it('is prisma/schema.prisma with only the provider and the client directory changed (run npm run generate:schemas)', () => {
    const source = readFileSync(join(prismaDir, 'schema.prisma'), 'utf8');
    expect(readFileSync(join(prismaDir, 'postgresql', 'schema.prisma'), 'utf8')).toBe(
      toPostgresSchema({ source }),
    );
  });

  it('refuses a source whose datasource it cannot recognise', () => {
    expect(() => toPostgresSchema({ source: 'datasource db {\n  provider = "mysql"\n}\n' })).toThrow(
      /expected .*sqlite/,
    );
  });
});
