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
const { databaseUrl, databaseProvider } = readEnv();
// The schema's datasource names DATABASE_URL: the CLI needs it set to read the schema, even though the
// adapter below is what connects. A PostgreSQL URL is not for this schema: the control plane migrates
// PostgreSQL itself (src/server/db/run-migrations.ts), and its client is generated from
// prisma.postgresql.config.ts.
process.env.DATABASE_URL = databaseProvider === 'sqlite' ? databaseUrl : 'file:unused.db';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => {
    if (databaseProvider !== 'sqlite')
      throw new Error(
        'DATABASE_URL is PostgreSQL: the control plane applies its migrations at start (see prisma/README.md)',
      );
    mkdirSync(dirname(databaseUrl.replace(/^file:/, '')), { recursive: true });
    return new PrismaBetterSQLite3({ url: databaseUrl });
  },
});
