import { readCertificate } from '@kudo/pki';
import type { Database, DatabaseTransaction } from '../db/database.js';
import { runRevocation } from './revocation-epoch.js';

type Writer = Database | DatabaseTransaction;

/** What the control plane keeps of a certificate it issued to an agent. */
export const agentCertificateSelect = {
  serialNumber: true,
  nodeId: true,
  notBefore: true,
  notAfter: true,
  createdAt: true,
  revokedAt: true,
  revokeReason: true,
} as const;

/** Renewal is due when less than a third of the certificate's lifetime is left (or it has expired). */
export const isRenewalDue = ({ notBefore, notAfter, now }: { notBefore: Date; notAfter: Date; now: Date }) =>
  notAfter.getTime() - now.getTime() < (notAfter.getTime() - notBefore.getTime()) / 3;

/** Records a certificate just issued to a node's agent. */
export const recordAgentCertificate = async ({
  db,
  nodeId,
  certificatePem,
}: {
  db: Writer;
  nodeId: string;
  certificatePem: string;
}) => {
  const { serialNumber, notBefore, notAfter } = readCertificate({ certificatePem });
  return db.agentCertificate.create({
    data: { serialNumber, nodeId, notBefore, notAfter },
    select: agentCertificateSelect,
  });
};

/**
 * Revokes a node's certificates (all of them, or all but `keepSerialNumber` after a renewal): an agent
 * presenting one is refused from then on.
 */
export const revokeAgentCertificates = async ({
  db,
  nodeId,
  reason,
  keepSerialNumber,
}: {
  db: Writer;
  nodeId: string;
  reason: string;
  keepSerialNumber?: string;
}) => {
  const { count } = await runRevocation({
    write: () =>
      db.agentCertificate.updateMany({
        where: {
          nodeId,
          revokedAt: null,
          ...(keepSerialNumber ? { serialNumber: { not: keepSerialNumber } } : {}),
        },
        data: { revokedAt: new Date(), revokeReason: reason },
      }),
  });
  return { revoked: count };
};

/** Revokes one certificate by its serial number (one issued but never installed). */
export const revokeAgentCertificate = ({
  db,
  serialNumber,
  reason,
}: {
  db: Writer;
  serialNumber: string;
  reason: string;
}) =>
  runRevocation({
    write: () =>
      db.agentCertificate.update({
        where: { serialNumber },
        data: { revokedAt: new Date(), revokeReason: reason },
        select: { serialNumber: true },
      }),
  });

/** The node's certificate in use: the newest one not revoked, or null (a node added with a bearer token). */
export const readCurrentAgentCertificate = ({ db, nodeId }: { db: Writer; nodeId: string }) =>
  db.agentCertificate.findFirst({
    where: { nodeId, revokedAt: null },
    orderBy: { notAfter: 'desc' },
    select: agentCertificateSelect,
  });

/** Every revoked serial number: what the agent gateway refuses to talk to. */
export const readRevokedSerialNumbers = async ({ db }: { db: Writer }) =>
  (
    await db.agentCertificate.findMany({
      where: { revokedAt: { not: null } },
      select: { serialNumber: true },
    })
  ).map(({ serialNumber }) => serialNumber);

/** Whether the control plane revoked this serial number (an unknown one is not ours to judge: the CA is). */
export const isSerialNumberRevoked = async ({ db, serialNumber }: { db: Writer; serialNumber: string }) =>
  (await db.agentCertificate.findUnique({ where: { serialNumber }, select: { revokedAt: true } }))
    ?.revokedAt != null;
