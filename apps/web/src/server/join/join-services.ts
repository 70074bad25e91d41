import type { Actor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { enrollNode } from './enroll-node.js';
import {
  createJoinToken,
  listJoinTokens,
  revokeJoinToken,
  type TCreateJoinTokenRequest,
  type TJoinTokenIdRequest,
} from './join-tokens.js';

type Change<Request> = { actor: Actor; request: Request };

/** Joining machines: the admin's join tokens, the CA a joining agent checks, and the join itself. */
export const createJoinServices = (deps: ServiceDeps) => ({
  createToken: ({ actor, request }: Change<TCreateJoinTokenRequest>) =>
    createJoinToken({ deps, actor, request }),
  listTokens: () => listJoinTokens({ deps }),
  revokeToken: ({ actor, request }: Change<TJoinTokenIdRequest>) => revokeJoinToken({ deps, actor, request }),
  /** The cluster CA's certificate and its fingerprint (what `join --ca-hash` carries). */
  readCa: async () => ({
    caCertificatePem: await deps.authority.readCaCertificatePem(),
    caHash: await deps.authority.readFingerprint(),
  }),
  /** A machine joins with a token (POST /api/join); unauthenticated: the token is the credential. */
  enroll: ({ request }: { request: unknown }) => enrollNode({ deps, request }),
});
