import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The control plane's configuration: the only place that reads `process.env`, validated at start-up.
 * Every variable has a default that works on one machine.
 */
const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Directory for the embedded database (created if missing). */
  KUDO_DATA_DIR: z.string().min(1).default('data'),
  /** `file:/path/kudo.db` (SQLite, the default: `file:<KUDO_DATA_DIR>/kudo.db`). See prisma/README.md for PostgreSQL. */
  DATABASE_URL: z
    .string()
    .regex(/^file:.+/, 'must be a SQLite URL such as file:/var/lib/kudo/kudo.db (see prisma/README.md)')
    .optional(),
  /** How often every agent is asked for its health (and its node inspected for drift). 0 turns polling off. */
  KUDO_HEALTH_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  /** How long a call to an agent may take before the node counts as unreachable. */
  KUDO_AGENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Dashboard sign-in (issue 6; apps/web/src/server/auth).
  /** The admin's password; unset: generated at first start, printed once, kept hashed in KUDO_DATA_DIR/auth.json. */
  KUDO_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The read-only viewer's password; unset: generated like the admin's. */
  KUDO_VIEWER_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Key that seals session cookies (32+ characters); unset: generated into KUDO_DATA_DIR/auth.json. */
  KUDO_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a sign-in lasts. */
  KUDO_SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(43_200).default(480),
  /** The cookie's Secure flag: `auto` sets it for HTTPS requests (directly or per X-Forwarded-Proto). */
  KUDO_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
});

export type Env = z.output<typeof ZEnv> & { databaseUrl: string; dataDir: string };

export const readEnv = (source: Record<string, string | undefined> = process.env): Env => {
  const result = ZEnv.safeParse(source);
  if (!result.success)
    throw new Error(
      `invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const dataDir = resolve(result.data.KUDO_DATA_DIR);
  return {
    ...result.data,
    dataDir,
    databaseUrl: result.data.DATABASE_URL ?? `file:${resolve(dataDir, 'kudo.db')}`,
  };
};

/** Next.js sets NEXT_RUNTIME at build time: `nodejs` for the server, `edge` for the edge bundle. */
export const isNodeRuntime = () => process.env.NEXT_RUNTIME === 'nodejs';
