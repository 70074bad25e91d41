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

/** An input to parse once, at a boundary, with the schema of what it must be. */
export type SchemaInput<Schema extends z.ZodType> = { schema: Schema; input: unknown };

/**
 * Parses an input with its schema; the first problem is thrown as the error of the layer that parses
 * (`refuse` makes it from the field issue and the ZodError).
 */
export const parseWithSchema = <Schema extends z.ZodType>({
  schema,
  input,
  refuse,
}: SchemaInput<Schema> & { refuse: (refusal: { issue: FieldIssue; cause: z.ZodError }) => Error }) => {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<Schema>;
  throw refuse({ issue: readFirstIssue(result.error), cause: result.error });
};

/** Parses an input with its schema; the first problem becomes a NetcoreError naming the field. */
export const parseInput = <Schema extends z.ZodType>({ schema, input }: SchemaInput<Schema>) =>
  parseWithSchema({
    schema,
    input,
    refuse: ({ issue, cause }) => new NetcoreError({ code: 'INVALID_INPUT', ...issue, cause }),
  });
