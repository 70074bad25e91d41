import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';
import { readEnv } from './src/env';

/**
 * Prisma CLI settings for the PostgreSQL variant of the schema (prisma/postgresql/schema.prisma, written
 * from prisma/schema.prisma): `npm run generate` makes its client with this. The control plane does not
 * use the CLI to migrate (src/server/db/run-migrations.ts applies the committed SQL).
 */
const { databaseUrl, databaseProvider } = readEnv();
const url = databaseProvider === 'postgresql' ? databaseUrl : 'postgresql://localhost/kudo';
process.env.DATABASE_URL = url;

export default defineConfig({
  schema: '../../prisma/postgresql/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: url }),
});
