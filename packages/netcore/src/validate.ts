import type { z } from 'zod';
import { NetcoreError } from './errors.js';

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
  const [issue] = result.error.issues;
  throw new NetcoreError({
    code: 'INVALID_INPUT',
    field: issue && issue.path.length > 0 ? issue.path.join('.') : undefined,
    reason: issue?.message ?? 'invalid input',
    cause: result.error,
  });
};
