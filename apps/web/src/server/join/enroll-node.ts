import { ZId, ZIpv4Addr } from '@kudo/netcore';
import { isPkiError } from '@kudo/pki';
import { z } from 'zod';
import { runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { parseRequest } from '../errors/parse-request.js';
import { WebError } from '../errors/web-error.js';
import { registerNode } from '../nodes/add-node.js';
import { recordAgentCertificate } from '../pki/agent-certificates.js';
import { findAgentUrlProblem, readAgentUrlNames } from '../pki/agent-url.js';
import { supportedAgentApiVersion } from './agent-version.js';
import { checkJoinToken, hashJoinToken, joinTokenPattern } from './join-token-rules.js';
import { setUpEnrolledNode } from './set-up-enrolled-node.js';

/** What `kudo-agent join` posts to /api/join (see /tmp/join-protocol.md, "Join"). */
export const ZEnrollRequest = z.object({
  token: z.string().regex(joinTokenPattern, 'must be a join token (kudo_join_ and 43 characters)'),
  /** The node id to take; by default one made from the external address (node-198-51-100-11). */
  nodeId: ZId.optional(),
  csrPem: z.string().min(1, 'must not be empty').max(16_384, 'must be at most 16 KiB'),
  agentUrl: z
    .string()
    .max(2048)
    .superRefine((url, context) => {
      const problem = findAgentUrlProblem(url);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  externalIpAddr: ZIpv4Addr,
  agentVersion: z.string().min(1).max(64),
  apiVersion: z.number().int(),
});
export type TEnrollRequest = z.input<typeof ZEnrollRequest>;

/**
 * A machine joins: its token is checked (unknown, expired, used or revoked are refused, saying which), its
 * certificate request signed for the node id and addresses the CA decides, and in one transaction the
 * token is consumed, the node registered (pending, with its subnet) and its certificate recorded. Nothing
 * is registered on a refusal. The answer goes back at once; `registered` is the node's setup, which waits
 * for the agent to start serving (its failures stay pending changes, for the health monitor).
 */
export const enrollNode = async ({ deps, request }: { deps: ServiceDeps; request: unknown }) => {
  const input = parseRequest({ schema: ZEnrollRequest, input: request });
  const tokenHash = hashJoinToken(input.token);
  const token = checkJoinToken({
    token: await deps.db.joinToken.findUnique({ where: { tokenHash } }),
    now: new Date(),
  });
  const nodeId = input.nodeId ?? `node-${input.externalIpAddr.replaceAll('.', '-')}`;
  return runAudited({
    deps,
    actor: `${token.createdBy} (join token)`,
    action: 'node.join',
    targetType: 'node',
    targetId: nodeId,
    details: { agentUrl: input.agentUrl, externalIpAddr: input.externalIpAddr, joinTokenId: token.id },
    work: async (note) => {
      if (input.apiVersion !== supportedAgentApiVersion)
        throw new WebError({
          code: 'INVALID_INPUT',
          field: 'apiVersion',
          message: `the agent speaks API version ${input.apiVersion}; this control plane speaks ${supportedAgentApiVersion}: install the agent of the control plane's release`,
        });
      if (await deps.db.node.findUnique({ where: { id: nodeId }, select: { id: true } }))
        throw new WebError({
          code: 'CONFLICT',
          field: 'nodeId',
          message: `there is already a node '${nodeId}': give another --node-id, or remove that node first`,
        });
      const signed = await deps.authority
        .signAgentRequest({
          csrPem: input.csrPem,
          nodeId,
          ...readAgentUrlNames({ url: input.agentUrl, externalIpAddr: input.externalIpAddr }),
        })
        .catch((error: unknown) => {
          if (!isPkiError(error)) throw error;
          throw new WebError({
            code: 'INVALID_INPUT',
            field: 'csrPem',
            message: `csrPem: ${error.reason}`,
            cause: error,
          });
        });
      const { node, peers } = await registerNode({
        deps,
        request: {
          agentUrl: input.agentUrl,
          agentToken: '',
          externalIpAddr: input.externalIpAddr,
          name: undefined,
          subnet: undefined,
        },
        registration: {
          nodeId,
          nodeIdField: 'nodeId',
          agentVersion: input.agentVersion,
          apiVersion: input.apiVersion,
          onRegistered: async (tx) => {
            const now = new Date();
            // Single use: only a token still active is consumed; a concurrent join finds it used.
            const { count } = await tx.joinToken.updateMany({
              where: { id: token.id, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
              data: { usedAt: now, usedByNodeId: nodeId },
            });
            if (count === 0)
              checkJoinToken({ token: await tx.joinToken.findUnique({ where: { id: token.id } }), now });
            await recordAgentCertificate({ db: tx, nodeId, certificatePem: signed.certificatePem });
          },
        },
      });
      note.details.subnet = node.subnet;
      note.details.serialNumber = signed.serialNumber;
      const registered = setUpEnrolledNode({ deps, nodeId, node, peers });
      return {
        nodeId,
        certificatePem: signed.certificatePem,
        caCertificatePem: await deps.authority.readCaCertificatePem(),
        notAfter: signed.notAfter.toISOString(),
        registered,
      };
    },
  });
};
