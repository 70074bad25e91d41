import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const ZDatabaseUrl = z
  .string()
  .regex(
    /^(file:.+|postgres(ql)?:\/\/.+)/,
    'must be a SQLite URL such as file:/var/lib/kudo/kudo.db or a PostgreSQL URL such as postgresql://kudo@db.example/kudo',
  );

/**
 * The control plane's configuration: the only place that reads `process.env`, validated at start-up.
 * Every variable has a default that works on one machine.
 */
const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Directory for the embedded database (created if missing). */
  KUDO_DATA_DIR: z.string().min(1).default('data'),
  /**
   * The database: `file:/path/kudo.db` (SQLite, the default: `file:<KUDO_DATA_DIR>/kudo.db`) or
   * `postgresql://user:password@host:5432/kudo` (PostgreSQL; several control planes may share it).
   * KUDO_DATABASE_URL wins over DATABASE_URL. See docs/install.md.
   */
  KUDO_DATABASE_URL: ZDatabaseUrl.optional(),
  DATABASE_URL: ZDatabaseUrl.optional(),
  /**
   * The migrations the control plane applies at start (the packaged control plane sets it to its own
   * copy). Unset: the provider's directory in the repository (prisma/migrations, prisma/postgresql/migrations).
   */
  KUDO_MIGRATIONS_DIR: z.string().min(1).optional(),
  /**
   * This control plane's name among replicas sharing a PostgreSQL database (the holder of a lease, such as
   * the health monitor's). Default: the host name and KUDO_DATA_DIR; two replicas on one host need two.
   */
  KUDO_REPLICA_ID: z.string().min(1).optional(),
  /** How often every agent is asked for its health (and its node inspected for drift). 0 turns polling off. */
  KUDO_HEALTH_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  /** How often every agent's metrics are scraped for the charts (a bounded history in memory). 0 turns it off. */
  KUDO_METRICS_INTERVAL_MS: z.coerce.number().int().min(0).default(5_000),
  /** How long a call to an agent may take before the node counts as unreachable. */
  KUDO_AGENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Dashboard users and sessions (issues 6 and 17; apps/web/src/server/auth, src/server/users).
  /**
   * Seeds the user `admin` (role admin) with this password, for tests and automation: created if missing,
   * re-hashed only when it changed. Unset: the first admin comes from `npm run web` on a terminal or
   * `npm run web -- create-admin NAME`.
   */
  KUDO_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Seeds the user `viewer` (role viewer) the same way. */
  KUDO_VIEWER_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** How long a sign-in lasts. */
  KUDO_SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(43_200).default(480),
  /** The cookie's Secure flag: `auto` sets it for HTTPS requests (directly or per X-Forwarded-Proto). */
  KUDO_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  // HTTPS for the dashboard, its API and the join endpoint (issue 13; apps/web/src/server/http/tls-front.ts).
  /**
   * `off` (plain HTTP: loopback and the lab), `files` (the admin's KUDO_TLS_CERT_FILE and KUDO_TLS_KEY_FILE),
   * `ca` (a certificate from the cluster CA for KUDO_TLS_NAMES). Default: `files` when both files are given.
   */
  KUDO_TLS: z.enum(['off', 'files', 'ca']).optional(),
  /** PEM certificate (chain) of the control plane's HTTPS listener. */
  KUDO_TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of that certificate. */
  KUDO_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Host names and IP addresses a CA-issued serving certificate is for (comma-separated; the first is its CN). */
  KUDO_TLS_NAMES: z
    .string()
    .optional()
    .transform((names) =>
      (names ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
});

/** How the control plane serves HTTPS, decided from KUDO_TLS and its files. */
export type TlsMode =
  | { mode: 'off' }
  | { mode: 'files'; certificateFile: string; keyFile: string }
  | { mode: 'ca'; names: string[] };

/** Which database a URL is for (the Prisma client, migrations and locks differ per provider). */
export type DatabaseProvider = 'sqlite' | 'postgresql';

export const toDatabaseProvider = (databaseUrl: string): DatabaseProvider =>
  databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql';

export type Env = z.output<typeof ZEnv> & {
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  /** KUDO_REPLICA_ID or its default. */
  replicaId: string;
  dataDir: string;
  tls: TlsMode;
};

const readTlsMode = (env: z.output<typeof ZEnv>): TlsMode => {
  const { KUDO_TLS_CERT_FILE: certificateFile, KUDO_TLS_KEY_FILE: keyFile } = env;
  const mode = env.KUDO_TLS ?? (certificateFile || keyFile ? 'files' : 'off');
  if (mode === 'files') {
    if (!certificateFile || !keyFile)
      throw new Error(
        `invalid environment: ${certificateFile ? 'KUDO_TLS_KEY_FILE' : 'KUDO_TLS_CERT_FILE'}: must be set with ${certificateFile ? 'KUDO_TLS_CERT_FILE' : 'KUDO_TLS_KEY_FILE'} (or KUDO_TLS=ca for a certificate from the cluster CA)`,
      );
    return { mode, certificateFile: resolve(certificateFile), keyFile: resolve(keyFile) };
  }
  if (mode === 'ca') {
    if (env.KUDO_TLS_NAMES.length === 0)
      throw new Error(
        'invalid environment: KUDO_TLS_NAMES: must name the host names or addresses the nodes and browsers reach the control plane at (KUDO_TLS=ca)',
      );
    return { mode, names: env.KUDO_TLS_NAMES };
  }
  return { mode };
};

export const readEnv = (source: Record<string, string | undefined> = process.env): Env => {
  const result = ZEnv.safeParse(source);
  if (!result.success)
    throw new Error(
      `invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const dataDir = resolve(result.data.KUDO_DATA_DIR);
  const databaseUrl =
    result.data.KUDO_DATABASE_URL ?? result.data.DATABASE_URL ?? `file:${resolve(dataDir, 'kudo.db')}`;
  return {
    ...result.data,
    dataDir,
    databaseUrl,
    databaseProvider: toDatabaseProvider(databaseUrl),
    replicaId: result.data.KUDO_REPLICA_ID ?? `${hostname()}:${dataDir}`,
    KUDO_MIGRATIONS_DIR: result.data.KUDO_MIGRATIONS_DIR && resolve(result.data.KUDO_MIGRATIONS_DIR),
    tls: readTlsMode(result.data),
  };
};

/** Next.js sets NEXT_RUNTIME at build time: `nodejs` for the server, `edge` for the edge bundle. */
export const isNodeRuntime = () => process.env.NEXT_RUNTIME === 'nodejs';
