'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { type OrphanView, useTRPC } from '../../client/trpc';
import { ActionButton, Button } from '../ui/button';
import { Card } from '../ui/card';
import { Dialog } from '../ui/dialog';
import { BroomIcon } from '../ui/icons';
import { ErrorNotice, Notice } from '../ui/notice';

const OrphanList = ({ orphans, testId }: { orphans: readonly OrphanView[]; testId: string }) => (
  <ul className="plan-list" data-testid={testId}>
    {orphans.map((orphan) => (
      <li key={`${orphan.resource}:${orphan.name}`} data-testid="orphan" data-name={orphan.name}>
        <span className="badge badge-amber">{orphan.resource}</span>
        <div className="item-main">
          <div className="mono">{orphan.name}</div>
          <div className="item-detail">{orphan.detail}</div>
          <div className="item-detail">→ {orphan.action}</div>
        </div>
      </li>
    ))}
  </ul>
);

/**
 * Kernel objects with our marks that belong to nothing in the database. Cleaning first shows the dry-run
 * plan (asked again when the dialog opens), and removes only after a second click.
 */
export const OrphansPanel = ({ nodeId }: { nodeId: string }) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh(15_000);
  const orphans = useQuery({ ...trpc.inspection.orphans.queryOptions({ nodeId }), ...refresh });
  const [isReviewing, setReviewing] = useState(false);
  const [removed, setRemoved] = useState<number | undefined>();
  const plan = useMutation(trpc.inspection.cleanOrphans.mutationOptions());
  const clean = useMutation(
    trpc.inspection.cleanOrphans.mutationOptions({
      onSuccess: (result) => {
        setRemoved(result.orphans.length);
        setReviewing(false);
      },
      onSettled: () => queryClient.invalidateQueries(),
    }),
  );
  const openReview = () => {
    setRemoved(undefined);
    clean.reset();
    setReviewing(true);
    plan.mutate({ nodeId, dryRun: true });
  };
  const list = orphans.data?.orphans ?? [];
  const planned = plan.data?.orphans ?? [];

  return (
    <Card
      title="Orphans"
      description="Namespaces, veths, rules and routes with our marks that no instance or node of the database owns"
      actions={
        <ActionButton
          size="sm"
          variant="danger"
          icon={<BroomIcon />}
          onClick={openReview}
          disabledReason={list.length === 0 ? 'Nothing to clean' : undefined}
          data-testid="clean-orphans"
        >
          Clean…
        </ActionButton>
      }
      testId="orphans-panel"
    >
      <div className="stack" style={{ gap: 12 }}>
        <ErrorNotice error={readError(orphans.error)} title="The orphans could not be listed" />
        {removed !== undefined ? (
          <Notice tone="success" testId="clean-result">
            Removed {pluralize({ count: removed, one: 'orphan' })}.
          </Notice>
        ) : null}
        {orphans.data && list.length === 0 ? (
          <p className="muted" data-testid="no-orphans">
            Nothing left behind: every object with our marks belongs to this node or one of its instances.
          </p>
        ) : null}
        {list.length > 0 ? <OrphanList orphans={list} testId="orphan-list" /> : null}
      </div>
      <Dialog
        isOpen={isReviewing}
        onClose={() => setReviewing(false)}
        title="Clean orphans"
        description={`The dry run on ${nodeId} found what follows. Nothing is removed until you confirm.`}
        isWide
        testId="clean-orphans-dialog"
        footer={
          <>
            <Button onClick={() => setReviewing(false)} disabled={clean.isPending}>
              Cancel
            </Button>
            <ActionButton
              variant="danger-solid"
              onClick={() => clean.mutate({ nodeId, dryRun: false })}
              isBusy={clean.isPending}
              disabledReason={
                plan.isPending
                  ? 'Waiting for the dry run'
                  : planned.length === 0
                    ? 'Nothing to clean'
                    : undefined
              }
              data-testid="confirm-clean"
            >
              Remove {pluralize({ count: planned.length, one: 'orphan' })}
            </ActionButton>
          </>
        }
      >
        {plan.isPending ? (
          <div className="progress">
            <span className="spinner" /> Running the dry run…
          </div>
        ) : null}
        <ErrorNotice error={readError(plan.error)} title="The dry run failed" />
        {plan.data && planned.length === 0 ? (
          <Notice tone="success">Nothing to clean any more.</Notice>
        ) : null}
        {planned.length > 0 ? <OrphanList orphans={planned} testId="orphan-plan" /> : null}
        <ErrorNotice error={readError(clean.error)} title="Cleaning failed" />
      </Dialog>
    </Card>
  );
};
