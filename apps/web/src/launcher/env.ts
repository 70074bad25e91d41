import { z } from 'zod';
import { type Env, readEnv } from '../env.js';

/**
 * What the packaged control plane's launcher reads from the environment (the only place it reads
 * `process.env`): the control plane's own variables (../env.ts) plus where it listens, as `npm run web`.
 */
const ZLauncherEnv = z.object({
  /** The dashboard's address: HTTPS there with KUDO_TLS, plain HTTP otherwise (keep that to loopback). */
  KUDO_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  KUDO_WEB_PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
});

export type LauncherEnv = { web: Env; host: string; port: number };

export const readLauncherEnv = (source: Record<string, string | undefined> = process.env): LauncherEnv => {
  const result = ZLauncherEnv.safeParse(source);
  if (!result.success)
    throw new Error(
      `invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  return { web: readEnv(source), host: result.data.KUDO_WEB_HOST, port: result.data.KUDO_WEB_PORT };
};

/** The Next.js server's environment: the launcher's own (the admin's settings, PATH, ...) plus `extra`. */
export const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  ...extra,
});
