import { z } from 'zod';

/**
 * What `npm start` and `npm run web` read from the environment: the only place the scripts read
 * `process.env`, validated at start. (The control plane's own variables are read by apps/web/src/env.ts.)
 */
const ZScriptEnv = z.object({
  /** Where the dashboard listens. `npm start` keeps it on loopback. */
  KUDO_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  KUDO_WEB_PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** Nodes of the `npm start` lab. */
  KUDO_LAB_NODES: z.coerce.number().int().min(1).max(20).default(3),
  /** Fixed passwords for `npm start` (otherwise new ones each run, printed at start). */
  KUDO_ADMIN_PASSWORD: z.string().min(8).optional(),
  KUDO_VIEWER_PASSWORD: z.string().min(8).optional(),
});

export type ScriptEnv = z.output<typeof ZScriptEnv>;

export const readScriptEnv = (source: Record<string, string | undefined> = process.env): ScriptEnv => {
  const result = ZScriptEnv.safeParse(source);
  if (!result.success)
    throw new Error(
      `invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  return result.data;
};

/** The environment of a child process: the parent's (PATH, HOME, ...) plus ours, never telemetry. */
export const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  CHECKPOINT_DISABLE: '1',
  ...extra,
});

/**
 * The environment of a packaged program run as on a production machine without the repository: PATH and
 * NODE_ENV=production, nothing of this process's own.
 */
export const plainEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  NODE_ENV: 'production',
});
