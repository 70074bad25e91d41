import { formatFieldIssue, parseWithSchema, type SchemaInput } from '@kudo/netcore';
import type { z } from 'zod';
import { WebError } from './web-error.js';

/**
 * Parses what came from outside the routers (an agent's answer) with its schema; the first problem becomes
 * an INVALID_INPUT WebError naming the field. Requests are parsed by their router, once.
 */
export const parseRequest = <Schema extends z.ZodType>({ schema, input }: SchemaInput<Schema>) =>
  parseWithSchema({
    schema,
    input,
    refuse: ({ issue, cause }) =>
      new WebError({ code: 'INVALID_INPUT', field: issue.field, message: formatFieldIssue(issue), cause }),
  });
