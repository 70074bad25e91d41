/**
 * Writes prisma/postgresql/schema.prisma from prisma/schema.prisma (the one source; see
 * src/server/db/postgres-schema.ts). Run from apps/web: `npm run generate:schemas`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPostgresSchema } from '../src/server/db/postgres-schema.js';

const prismaDir = join(import.meta.dirname, '..', '..', '..', 'prisma');
const source = readFileSync(join(prismaDir, 'schema.prisma'), 'utf8');
writeFileSync(join(prismaDir, 'postgresql', 'schema.prisma'), toPostgresSchema({ source }));
