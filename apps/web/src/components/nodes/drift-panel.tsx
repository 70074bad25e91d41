'use client';

import { type UseQueryResult, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatAgo, pluralize } from '../../client/format';
import { readError } from '../../client/read-error';
import { type DriftItemView, type Inspection, useTRPC } from '../../client/trpc';
import { ActionButton, Button } from '../ui/button';
import { Card } from '../ui/card';
import { RefreshIcon, WrenchIcon } from '../ui/icons';
import { ErrorNotice, Notice } from '../ui/notice';

const kindTone: Record<DriftItemView['kind'], string> = {
  missing: 'badge-red',
  unexpected: 'badge-amber',
  different: 'badge-purple',
};

/**
 * What differs between the node's kernel and the database, one item at a time, each with the call that
 * fixes it; or all at once.
 */
export const DriftPanel = ({
  nodeId,
  inspection,
}: {
  nodeId: string;
  inspection: UseQueryResult<Inspection, unknown>;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [fixingId, setFixingId] = useState<string | undefined>();
  const [lastFix, setLastFix] = useState<{ fixed: number; remaining: number } | undefined>();
  const reconcile = useMutation(
    trpc.inspection.reconcile.mutationOptions({
      onSuccess: (result) => setLastFix({ fixed: result.fixed.length, remaining: result.remaining.length }),
      onSettled: async () => {
        setFixingId(undefined);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const fix = (itemId?: string) => {
    setLastFix(undefined);
    setFixingId(itemId ?? 'all');
    reconcile.mutate({ nodeId, ...(itemId ? { itemId } : {}) });
  };
  const items = inspection.data?.items ?? [];

  return (
    <Card
      title="Drift"
      description={
        inspection.data
          ? `Kernel compared with the desired state ${formatAgo({ at: inspection.data.inspectedAt })}`
          : 'Comparing the kernel with the desired state…'
      }
      actions={
        <>
          <Button
            size="sm"
            icon={<RefreshIcon />}
            onClick={() => inspection.refetch()}
            isBusy={inspection.isFetching}
          >
            Inspect now
          </Button>
          {items.length > 1 ? (
            <ActionButton
              size="sm"
              variant="primary"
              icon={<WrenchIcon />}
              onClick={() => fix()}
              isBusy={fixingId === 'all'}
            >
              Fix all
            </ActionButton>
          ) : null}
        </>
      }
      isFlush
      testId="drift-panel"
    >
      {inspection.error ||
      reconcile.error ||
      lastFix ||
      inspection.data?.items.length === 0 ||
      inspection.isPending ? (
        <div className="card-body stack" style={{ gap: 12 }}>
          <ErrorNotice error={readError(inspection.error)} title="The node could not be inspected" />
          <ErrorNotice error={readError(reconcile.error)} title="The fix did not work" />
          {lastFix ? (
            <Notice tone={lastFix.remaining === 0 ? 'success' : 'warning'} testId="fix-result">
              Fixed {pluralize({ count: lastFix.fixed, one: 'item' })}
              {lastFix.remaining > 0
                ? `; ${lastFix.remaining} remain.`
                : '; the node matches the desired state again.'}
            </Notice>
          ) : null}
          {inspection.data && items.length === 0 ? (
            <Notice tone="success" title="No drift" testId="no-drift">
              The node&apos;s bridge, rules, routes and instances are exactly what the control plane asked
              for.
            </Notice>
          ) : null}
          {!inspection.data && inspection.isPending ? <div className="skeleton" /> : null}
        </div>
      ) : null}
      {items.length > 0 ? (
        <ul className="item-list">
          {items.map((item) => (
            <li
              key={item.id}
              className="item"
              data-testid="drift-item"
              data-resource={item.resource}
              data-target={item.target}
            >
              <span className={`badge ${kindTone[item.kind]}`}>{item.kind}</span>
              <div className="item-main">
                <div className="item-title">
                  {item.resource} <span className="mono">{item.target}</span>
                </div>
                <div className="item-detail">{item.detail}</div>
                <div className="item-detail subtle">
                  fix: <code>{item.fix.operation}</code>
                </div>
              </div>
              <ActionButton
                size="sm"
                icon={<WrenchIcon />}
                onClick={() => fix(item.id)}
                isBusy={fixingId === item.id}
                disabled={fixingId !== undefined && fixingId !== item.id}
                data-testid="fix-drift"
              >
                Fix
              </ActionButton>
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
};
