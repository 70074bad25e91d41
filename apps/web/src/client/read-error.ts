import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../server/trpc/root';

/** A failure as the dashboard shows it: the API's message, the field to highlight, and its code. */
export type ShownError = {
  message: string;
  field: string | undefined;
  code: string | undefined;
  nodeId?: string;
};

/**
 * Reads what the API said about a failure: the control plane's `data.web` (code, field, node) when there
 * is one, the tRPC code otherwise, and a plain message for a network failure.
 */
export const readError = (error: unknown): ShownError | undefined => {
  if (!error) return undefined;
  if (error instanceof TRPCClientError) {
    const { data } = error as TRPCClientError<AppRouter>;
    const web = data?.web;
    if (web) return { message: error.message, field: web.field, code: web.code, nodeId: web.nodeId };
    if (data?.code) return { message: error.message, field: undefined, code: data.code };
    return {
      message: `no answer from the control plane: ${error.message}`,
      field: undefined,
      code: 'NETWORK',
    };
  }
  return {
    message: error instanceof Error ? error.message : String(error),
    field: undefined,
    code: undefined,
  };
};
