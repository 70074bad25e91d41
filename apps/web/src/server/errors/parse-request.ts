import type { z } from 'zod';
import { WebError } from './web-error.js';

/** Parses a request with its schema; the first problem becomes an INVALID_INPUT WebError naming the field. */
export const parseRequest = <Schema extends z.ZodType>({
  schema,
  input,
}: {
  schema: Schema;
  input: unknown;
}): z.output<Schema> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  throw new WebError({
    code: 'INVALID_INPUT',
    field,
    message: `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid input'}`,
    cause: result.error,
  });
};
