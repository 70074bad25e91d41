import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import {
  createJoinTokenSecret,
  defaultJoinTokenMinutes,
  hashJoinToken,
  readJoinTokenState,
} from './join-token-rules.js';

export const ZCreateJoinTokenRequest = z.object({
  /** What the token is for (the machine's name, say); shown in the list. */
  description: z
    .string()
    .trim()
    .max(200)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters')
    .optional(),
  /** How long the token may be used: 1 hour by default, at most a week. */
  expiresInMinutes: z.number().int().min(1).max(10_080).default(defaultJoinTokenMinutes),
});
export type TCreateJoinTokenRequest = z.output<typeof ZCreateJoinTokenRequest>;

export const ZJoinTokenIdRequest = z.object({ id: z.string().min(1).max(64) });
export type TJoinTokenIdRequest = z.output<typeof ZJoinTokenIdRequest>;

/** What a client sees of a token: never the token (only its hash is kept) nor the hash. */
const publicJoinTokenSelect = {
  id: true,
  description: true,
  createdBy: true,
  createdAt: true,
  expiresAt: true,
  usedAt: true,
  usedByNodeId: true,
  revokedAt: true,
  revokedBy: true,
} as const;

/**
 * Makes a join token (the request as the router parsed it); the answer is the only time the token itself is seen (the database keeps its
 * SHA-256). `joinCommand` is what to run on the new machine (`server` is how that machine reaches us).
 */
export const createJoinToken = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TCreateJoinTokenRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'joinToken.create',
    targetType: 'joinToken',
    targetId: 'new',
    work: async (note) => {
      const { description, expiresInMinutes } = request;
      const token = createJoinTokenSecret();
      const created = await deps.db.joinToken.create({
        data: {
          tokenHash: hashJoinToken(token),
          description,
          createdBy: actor,
          expiresAt: new Date(Date.now() + expiresInMinutes * 60_000),
        },
        select: publicJoinTokenSelect,
      });
      note.targetId = created.id;
      note.details = { description, expiresAt: created.expiresAt.toISOString() };
      const caHash = await deps.authority.readFingerprint();
      return { ...created, state: 'active' as const, token, caHash };
    },
  });

/** Every join token, newest first, with its state (active, used, revoked, expired). */
export const listJoinTokens = async ({ deps }: { deps: Pick<ServiceDeps, 'db'> }) => {
  const now = new Date();
  const tokens = await deps.db.joinToken.findMany({
    select: publicJoinTokenSelect,
    orderBy: { createdAt: 'desc' },
  });
  return tokens.map((token) => ({ ...token, state: readJoinTokenState({ token, now }) }));
};

/** Revokes a token not used yet; revoking a revoked one changes nothing. */
export const revokeJoinToken = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TJoinTokenIdRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'joinToken.revoke',
    targetType: 'joinToken',
    targetId: request.id,
    work: async () => {
      const { id } = request;
      const token = await deps.db.joinToken.findUnique({ where: { id }, select: publicJoinTokenSelect });
      if (!token) throw new WebError({ code: 'NOT_FOUND', field: 'id', message: `no join token '${id}'` });
      if (token.usedAt)
        throw new WebError({
          code: 'PRECONDITION_FAILED',
          field: 'id',
          message: `the join token was already used by node ${token.usedByNodeId}: remove the node instead`,
        });
      // Only a token still unused is revoked: a join that consumed it meanwhile wins.
      await deps.db.joinToken.updateMany({
        where: { id, usedAt: null, revokedAt: null },
        data: { revokedAt: new Date(), revokedBy: actor },
      });
      const revoked = await deps.db.joinToken.findUniqueOrThrow({
        where: { id },
        select: publicJoinTokenSelect,
      });
      return { ...revoked, state: readJoinTokenState({ token: revoked, now: new Date() }) };
    },
  });
