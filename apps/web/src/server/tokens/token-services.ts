import type { ServiceDeps } from '../deps.js';
import { findApiTokenUser } from './api-token-user.js';
import {
  createApiToken,
  listApiTokens,
  revokeApiToken,
  type TApiTokenIdRequest,
  type TCreateApiTokenRequest,
  type TokenOwner,
} from './api-tokens.js';

type OwnerChange<Request> = { owner: TokenOwner; request: Request };

/** Personal API tokens for scripts: made, listed and revoked by their users (and by admins), and looked up. */
export const createTokenServices = (deps: ServiceDeps) => ({
  create: ({ owner, request }: OwnerChange<TCreateApiTokenRequest>) =>
    createApiToken({ deps, owner, request }),
  /** One user's tokens, or every user's without `userId` (an admin's view). */
  list: ({ userId }: { userId?: string }) => listApiTokens({ deps, userId }),
  revoke: ({ owner, request }: OwnerChange<TApiTokenIdRequest>) => revokeApiToken({ deps, owner, request }),
  /** Who an `Authorization` header acts as (none, refused with why, or the token's user). */
  findUser: ({ authorization }: { authorization: string | null }) =>
    findApiTokenUser({ db: deps.db, authorization }),
});
