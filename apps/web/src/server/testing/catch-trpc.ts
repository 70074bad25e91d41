import { TRPCError } from '@trpc/server';

/** The TRPCError a call is refused with (any other error is thrown on; a call that succeeds fails the test). */
export const catchTrpc = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused with a TRPCError');
};
