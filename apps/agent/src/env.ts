import { z } from 'zod';
import { AgentError } from './errors.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The agent's environment variables; the only place `process.env` is read. */
export const ZAgentEnv = z.object({
  /** The bearer token itself (prefer a token file: the environment of a process can be read by root). */
  KUDO_AGENT_TOKEN: z.string().min(1, 'must not be empty').optional(),
  /** A file holding the token (its final newline is ignored). */
  KUDO_AGENT_TOKEN_FILE: z.string().min(1, 'must not be empty').optional(),
  KUDO_AGENT_LOG_LEVEL: z.enum(logLevels).default('info'),
});

export type AgentEnv = z.output<typeof ZAgentEnv>;

export const readEnv = (source: NodeJS.ProcessEnv = process.env): AgentEnv => {
  const result = ZAgentEnv.safeParse(source);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  throw new AgentError({
    code: 'INVALID_OPTION',
    field: issue?.path.join('.'),
    reason: issue?.message ?? 'invalid environment',
  });
};
