import { TRPCError } from '@trpc/server';
import { WebError } from '../errors/web-error.js';
import type { ApiTokenUser } from './api-token-user.js';
import type { createTokenServices } from './token-services.js';

/**
 * The user of a request's `Authorization: Bearer` API token, or null without one. A token that is
 * malformed, unknown, revoked, expired or whose user is disabled ends the request with 401 saying which:
 * a script learns why at once, instead of a "sign in first" or a fall back to a cookie.
 */
export const readBearerUser = async ({
  services,
  headers,
}: {
  services: { tokens: Pick<ReturnType<typeof createTokenServices>, 'findUser'> };
  headers: Headers;
}): Promise<ApiTokenUser | null> => {
  const lookup = await services.tokens.findUser({ authorization: headers.get('authorization') });
  if (lookup.kind === 'refused')
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: lookup.reason,
      cause: new WebError({ code: 'UNAUTHORIZED', field: 'authorization', message: lookup.reason }),
    });
  return lookup.kind === 'user' ? lookup.user : null;
};
