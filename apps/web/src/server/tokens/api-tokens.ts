import { z } from 'zod';
import { runAudited } from '../audit/audit-log.js';
import { type ContextUser, formatActor } from '../auth/context-user.js';
import { readUniqueViolation } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import {
  computeApiTokenExpiry,
  createApiTokenSecret,
  defaultApiTokenDays,
  findScopeRefusalForRole,
  hashApiToken,
  maxApiTokenDays,
  readApiTokenPrefix,
  readApiTokenState,
  ZApiTokenScope,
} from './api-token-rules.js';

export const ZCreateApiTokenRequest = z.object({
  /** What the token is for (the script's name, say); unique among the user's tokens. */
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters'),
  /** How long the token works: 1 to 365 days (90 by default). */
  expiresInDays: z.number().int().min(1).max(maxApiTokenDays).default(defaultApiTokenDays),
  scope: ZApiTokenScope.default('read'),
});
export type TCreateApiTokenRequest = z.output<typeof ZCreateApiTokenRequest>;

export const ZApiTokenIdRequest = z.object({ id: z.string().min(1).max(64) });
export type TApiTokenIdRequest = z.output<typeof ZApiTokenIdRequest>;

type AuditedDeps = Pick<ServiceDeps, 'db' | 'events' | 'operations' | 'logger'>;

/** Who acts on tokens: the signed-in user (and the token they came through, if any). */
export type TokenOwner = Pick<ContextUser, 'id' | 'name' | 'role' | 'via' | 'tokenName'>;

/** What a client sees of a token: never the secret (only its hash is kept) nor the hash. */
const publicApiTokenSelect = {
  id: true,
  name: true,
  prefix: true,
  scope: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  user: { select: { name: true } },
} as const;

type StoredApiToken = {
  user: { name: string };
  scope: string;
  expiresAt: Date;
  revokedAt: Date | null;
};

const toPublicApiToken = <Token extends StoredApiToken>({ user, ...token }: Token, now: Date) => ({
  ...token,
  userName: user.name,
  scope: ZApiTokenScope.parse(token.scope),
  state: readApiTokenState({ token, now }),
});

/**
 * Makes a personal token for `owner`; the answer is the only time the secret is seen (the database keeps
 * its SHA-256 and its first characters). A viewer makes only read tokens, and a token makes none: a leaked
 * token that expires tomorrow must not be able to mint one that lasts a year.
 */
export const createApiToken = ({
  deps,
  owner,
  request,
}: {
  deps: AuditedDeps;
  owner: TokenOwner;
  request: TCreateApiTokenRequest;
}) =>
  runAudited({
    deps,
    actor: formatActor({ user: owner }),
    action: 'apiToken.create',
    targetType: 'apiToken',
    targetId: 'new',
    work: async (note) => {
      const { name, expiresInDays, scope } = request;
      if (owner.via === 'token')
        throw new WebError({
          code: 'FORBIDDEN',
          message: 'an API token cannot make API tokens: sign in to the dashboard to make one',
        });
      const refusal = findScopeRefusalForRole({ role: owner.role, scope });
      if (refusal) throw new WebError({ code: 'FORBIDDEN', field: 'scope', message: refusal });
      const secret = createApiTokenSecret();
      const now = new Date();
      const created = await deps.db.apiToken
        .create({
          data: {
            name,
            tokenHash: hashApiToken(secret),
            prefix: readApiTokenPrefix(secret),
            userId: owner.id,
            scope,
            expiresAt: computeApiTokenExpiry({ now, days: expiresInDays }),
          },
          select: publicApiTokenSelect,
        })
        .catch((error: unknown) => {
          if (!readUniqueViolation(error)) throw error;
          throw new WebError({
            code: 'CONFLICT',
            field: 'name',
            message: `you already have a token named '${name}': choose another name or revoke it first`,
          });
        });
      note.targetId = created.id;
      note.details = { name, owner: owner.name, scope, prefix: created.prefix };
      return { ...toPublicApiToken(created, now), secret };
    },
  });

/** The tokens of one user (`userId`), or every user's (an admin's view), newest first, with their state. */
export const listApiTokens = async ({ deps, userId }: { deps: Pick<ServiceDeps, 'db'>; userId?: string }) => {
  const now = new Date();
  const tokens = await deps.db.apiToken.findMany({
    where: userId === undefined ? {} : { userId },
    select: publicApiTokenSelect,
    orderBy: { createdAt: 'desc' },
  });
  return tokens.map((token) => toPublicApiToken(token, now));
};

/**
 * Revokes a token of `owner`'s own, or anyone's when `owner` is an admin; it stops working at once.
 * Revoking a revoked token changes nothing. Another user's token is "not found" to a non-admin.
 */
export const revokeApiToken = ({
  deps,
  owner,
  request,
}: {
  deps: AuditedDeps;
  owner: TokenOwner;
  request: TApiTokenIdRequest;
}) =>
  runAudited({
    deps,
    actor: formatActor({ user: owner }),
    action: 'apiToken.revoke',
    targetType: 'apiToken',
    targetId: request.id,
    work: async (note) => {
      const { id } = request;
      const token = await deps.db.apiToken.findUnique({
        where: { id },
        select: { userId: true, name: true },
      });
      if (!token || (token.userId !== owner.id && owner.role !== 'admin'))
        throw new WebError({ code: 'NOT_FOUND', field: 'id', message: `no API token '${id}'` });
      await deps.db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      const revoked = await deps.db.apiToken.findUniqueOrThrow({
        where: { id },
        select: publicApiTokenSelect,
      });
      note.details = { name: revoked.name, owner: revoked.user.name };
      return toPublicApiToken(revoked, new Date());
    },
  });
