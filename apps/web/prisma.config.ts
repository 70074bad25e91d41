import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';
import { readEnv } from './src/env';

/**
 * Prisma CLI settings for the embedded SQLite database: the app's own database (src/env.ts: DATABASE_URL,
 * or KUDO_DATA_DIR/kudo.db). The JS schema engine runs migrations offline (no engine download).
 * From apps/web: `npm run generate`, `npm run migrate`.
 */
const { databaseUrl } = readEnv();
// The schema's datasource names DATABASE_URL: the CLI needs it set to read the schema, even though the
// adapter below is what connects.
process.env.DATABASE_URL = databaseUrl;

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => {
    mkdirSync(dirname(databaseUrl.replace(/^file:/, '')), { recursive: true });
    return new PrismaBetterSQLite3({ url: databaseUrl });
  },
});
