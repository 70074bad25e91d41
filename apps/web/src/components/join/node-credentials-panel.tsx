'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatAgo, formatTime } from '../../client/format';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { ErrorNotice, Notice } from '../ui/notice';

/**
 * A node's certificate from the cluster CA (serial, expiry, renewal due) and its agent's API version, with
 * Rotate credentials: a new key on the node and a new certificate, the old one revoked.
 */
export const NodeCredentialsPanel = ({ nodeId }: { nodeId: string }) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const credentials = useQuery(trpc.nodeCredentials.get.queryOptions({ nodeId }));
  const rotate = useMutation(
    trpc.nodeCredentials.rotate.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }),
  );
  const certificate = credentials.data?.certificate;
  return (
    <Card
      title="Credentials"
      testId="node-credentials"
      actions={
        certificate ? (
          <ActionButton size="sm" isBusy={rotate.isPending} onClick={() => rotate.mutate({ nodeId })}>
            Rotate credentials
          </ActionButton>
        ) : null
      }
    >
      {credentials.data?.versionProblem ? (
        <Notice tone="error" title="Not driven: incompatible agent" testId="version-problem">
          {credentials.data.versionProblem}
        </Notice>
      ) : null}
      <ErrorNotice error={readError(rotate.error ?? credentials.error)} />
      <dl className="kv">
        <dt>Certificate</dt>
        <dd>
          {certificate ? (
            <>
              <span className="mono">{certificate.serialNumber}</span>
              <div className="cell-sub">
                expires {formatTime(certificate.notAfter)} ({formatAgo({ at: certificate.notAfter })})
                {certificate.isRenewalDue ? ' · renewal due' : ''}
              </div>
            </>
          ) : (
            <span className="cell-sub">none: this node was added with a bearer token</span>
          )}
        </dd>
        <dt>Agent API</dt>
        <dd>
          {credentials.data?.apiVersion ?? '—'}
          {credentials.data?.agentVersion ? ` · agent ${credentials.data.agentVersion}` : ''}
        </dd>
      </dl>
    </Card>
  );
};
