import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

/**
 * Prisma CLI settings for the embedded SQLite database. The JS schema engine runs migrations offline
 * (no engine download). Run from apps/web: `npx prisma migrate deploy` (DATABASE_URL=file:...).
 */
export default defineConfig({
  schema: '../../prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? 'file:./data/kudo.db' }),
});
