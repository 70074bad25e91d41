import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { CredentialRefusal } from '../tls/credential-service.js';
import { type AgentServices, authedProcedure, createRouter } from '../trpc.js';

const requireCredentials = (services: AgentServices) => {
  if (!services.credentials)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'this agent serves plain HTTP: it has no credentials',
    });
  return services.credentials;
};

const toTrpcError = (error: unknown) => {
  if (!(error instanceof CredentialRefusal)) return error;
  return new TRPCError({
    code: error.kind === 'INVALID_CERTIFICATE' ? 'BAD_REQUEST' : 'PRECONDITION_FAILED',
    message: error.message,
    cause: error,
  });
};

/**
 * Renewal and rotation of the agent's certificate, driven by the control plane (mTLS only: the server
 * refuses these paths to a bearer token): a new key stays on the node, only its CSR leaves it.
 */
export const credentialsRouter = createRouter({
  credentials: createRouter({
    createRequest: authedProcedure.mutation(({ ctx }) => {
      const credentials = requireCredentials(ctx.services);
      return ctx.services.operations.runMutation({
        operation: 'credentials.createRequest',
        input: {},
        work: () => credentials.createRequest(),
      });
    }),
    install: authedProcedure
      .input(z.object({ certificatePem: z.string().min(1).max(16_384) }))
      .mutation(async ({ ctx, input }) => {
        const credentials = requireCredentials(ctx.services);
        try {
          return await ctx.services.operations.runMutation({
            operation: 'credentials.install',
            input,
            work: () => credentials.install(input),
          });
        } catch (error) {
          throw toTrpcError(error);
        }
      }),
  }),
});
