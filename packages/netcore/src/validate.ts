import type { z } from 'zod';
import { NetcoreError } from './errors.js';

/**
 * One problem of a refused input, as zod reports it (and as tRPC passes it on: a Standard Schema issue,
 * whose path segments may also be `{ key }` objects).
 */
export type InputIssue = { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] };

/** The first problem of a refused input: the field it names (`ports.1.hostPort`) and why. */
export type FieldIssue = { field: string | undefined; reason: string };

/** Whether a value carries the issues of a refused input (a ZodError, or tRPC's Standard Schema error). */
export const hasInputIssues = (value: unknown): value is { issues: readonly InputIssue[] } =>
  typeof value === 'object' &&
  value !== null &&
  'issues' in value &&
  Array.isArray(value.issues) &&
  value.issues.length > 0;

/**
 * The field and reason of a refused input's first issue: the one translation of a schema's issue into a
 * field path, shared by netcore, the agent and the web app (and safe in a browser: no I/O).
 */
export const readFirstIssue = ({ issues }: { issues: readonly InputIssue[] }): FieldIssue => {
  const [issue] = issues;
  const path = issue?.path ?? [];
  return {
    field:
      path.length > 0
        ? path.map((part) => String(typeof part === 'object' ? part.key : part)).join('.')
        : undefined,
    reason: issue?.message ?? 'invalid input',
  };
};

/** `field: reason`, or the reason alone when no field is to blame: how every layer words a refusal. */
export const formatFieldIssue = ({ field, reason }: FieldIssue) => (field ? `${field}: ${reason}` : reason);

/** Parses an input with its schema; the first problem becomes a NetcoreError naming the field. */
export const parseInput = <Schema extends z.ZodType>({
  schema,
  input,
}: {
  schema: Schema;
  input: unknown;
}): z.output<Schema> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new NetcoreError({ code: 'INVALID_INPUT', ...readFirstIssue(result.error), cause: result.error });
};
