import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited, systemActor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { describeError, WebError } from '../errors/web-error.js';
import { connectAgent, readNodeRecord } from '../nodes/node-queries.js';
import {
  isRenewalDue,
  readCurrentAgentCertificate,
  recordAgentCertificate,
  revokeAgentCertificate,
  revokeAgentCertificates,
} from './agent-certificates.js';
import { readAgentUrlNames } from './agent-url.js';

export const ZNodeCredentialsRequest = z.object({ nodeId: ZId });
export type TNodeCredentialsRequest = z.output<typeof ZNodeCredentialsRequest>;

/** A node's certificate as the node page shows it, and whether the control plane will drive its agent. */
export const readNodeCredentials = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await deps.db.node.findUnique({
    where: { id: nodeId },
    select: { id: true, agentVersion: true, apiVersion: true, versionProblem: true },
  });
  if (!node) throw new WebError({ code: 'NOT_FOUND', field: 'nodeId', message: `no node '${nodeId}'` });
  const certificate = await readCurrentAgentCertificate({ db: deps.db, nodeId });
  return {
    ...node,
    certificate: certificate && {
      ...certificate,
      isRenewalDue: isRenewalDue({ ...certificate, now: new Date() }),
    },
  };
};

/**
 * New credentials for a node's agent: it makes a new key (which never leaves it) and sends its request;
 * the CA signs it for the node's id and addresses; the agent installs it and serves with it at once. The
 * older certificates are then revoked. Refused for a node added with a bearer token (it has none).
 */
export const rotateNodeCredentials = ({
  deps,
  actor,
  request,
  reason = 'rotated by an admin',
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TNodeCredentialsRequest;
  reason?: string;
}) =>
  runAudited({
    deps,
    actor,
    action: 'node.rotateCredentials',
    targetType: 'node',
    targetId: request.nodeId,
    details: { reason },
    work: async (note) => {
      const { nodeId } = request;
      const node = await readNodeRecord({ db: deps.db, nodeId });
      const current = await readCurrentAgentCertificate({ db: deps.db, nodeId });
      if (!current)
        throw new WebError({
          code: 'PRECONDITION_FAILED',
          field: 'nodeId',
          message: `node ${nodeId} has no certificate from the cluster CA (it was added with a bearer token): make it join instead`,
        });
      const agent = connectAgent({ deps, node });
      const { csrPem } = await deps.nodeLock.run({
        key: nodeId,
        work: () => agent.createCredentialsRequest(),
      });
      const signed = await deps.authority.signAgentRequest({
        csrPem,
        nodeId,
        ...readAgentUrlNames({ url: node.agentUrl, externalIpAddr: node.externalIpAddr }),
      });
      // Recorded before it is installed: the agent shows it from the moment it has it.
      await recordAgentCertificate({ db: deps.db, nodeId, certificatePem: signed.certificatePem });
      try {
        await deps.nodeLock.run({
          key: nodeId,
          work: () => agent.installCredentials({ certificatePem: signed.certificatePem }),
        });
      } catch (error) {
        await revokeAgentCertificate({
          db: deps.db,
          serialNumber: signed.serialNumber,
          reason: `never installed: ${describeError(error)}`,
        });
        throw error;
      }
      await revokeAgentCertificates({
        db: deps.db,
        nodeId,
        reason: `replaced by ${signed.serialNumber} (${reason})`,
        keepSerialNumber: signed.serialNumber,
      });
      note.details = { reason, serialNumber: signed.serialNumber, replaced: current.serialNumber };
      return readNodeCredentials({ deps, nodeId });
    },
  });

/** Renews every agent certificate with less than a third of its lifetime left; one failure stops no other. */
export const renewDueCertificates = async ({ deps, now = new Date() }: { deps: ServiceDeps; now?: Date }) => {
  const current = await deps.db.agentCertificate.findMany({
    where: { revokedAt: null },
    select: { nodeId: true, notBefore: true, notAfter: true },
  });
  const nodeIds = [
    ...new Set(
      current.filter((certificate) => isRenewalDue({ ...certificate, now })).map(({ nodeId }) => nodeId),
    ),
  ];
  const results = await Promise.allSettled(
    nodeIds.map((nodeId) =>
      rotateNodeCredentials({
        deps,
        actor: systemActor,
        request: { nodeId },
        reason: 'renewal before expiry',
      }),
    ),
  );
  results.forEach((result, index) => {
    if (result.status === 'rejected')
      deps.logger.warn(
        { nodeId: nodeIds[index], error: describeError(result.reason) },
        'certificate renewal failed',
      );
  });
  return { renewed: results.filter(({ status }) => status === 'fulfilled').length, due: nodeIds.length };
};

/** Checks for certificates due for renewal every `intervalMs` (hourly in the runtime), until `stop()`. */
export const startCertificateRenewal = ({ deps, intervalMs }: { deps: ServiceDeps; intervalMs: number }) => {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => renewDueCertificates({ deps })).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
