'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { pluralize } from '../../client/format';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Dialog, DialogActions, type DialogVisibility, Progress } from '../ui/dialog';
import { ErrorNotice } from '../ui/notice';

/** Deletes instances one after the other after a confirmation; stops at the first failure and says which. */
export const DeleteInstancesDialog = ({
  instanceIds,
  isOpen,
  onClose,
  onDeleted,
}: DialogVisibility & {
  instanceIds: readonly string[];
  onDeleted?: () => void;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.instance.delete.mutationOptions());
  const [progress, setProgress] = useState<
    { done: number; failedId?: string; error?: unknown } | undefined
  >();
  const run = async () => {
    setProgress({ done: 0 });
    for (const [index, instanceId] of instanceIds.entries()) {
      try {
        await remove.mutateAsync({ instanceId });
        setProgress({ done: index + 1 });
      } catch (error) {
        setProgress({ done: index, failedId: instanceId, error });
        await queryClient.invalidateQueries();
        return;
      }
    }
    await queryClient.invalidateQueries();
    onDeleted?.();
    onClose();
  };
  const isRunning = remove.isPending;
  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title={
        instanceIds.length === 1
          ? `Delete instance ${instanceIds[0]}`
          : `Delete ${instanceIds.length} instances`
      }
      description="Their namespaces, veths and port mappings are removed from their nodes, and their addresses are free again."
      testId="delete-instances-dialog"
      footer={
        <DialogActions onCancel={onClose} isBusy={isRunning}>
          <ActionButton
            least="operator"
            variant="danger-solid"
            onClick={run}
            isBusy={isRunning}
            data-testid="confirm-delete"
          >
            Delete {pluralize({ count: instanceIds.length, one: 'instance' })}
          </ActionButton>
        </DialogActions>
      }
    >
      <ul className="plan-list">
        {instanceIds.map((id) => (
          <li key={id} className="mono">
            {id}
          </li>
        ))}
      </ul>
      {isRunning && progress ? (
        <Progress>
          Deleted {progress.done} of {instanceIds.length}…
        </Progress>
      ) : null}
      {progress?.failedId ? (
        <ErrorNotice
          error={readError(progress.error)}
          title={`${progress.failedId} was not deleted (${progress.done} were)`}
        />
      ) : null}
    </Dialog>
  );
};
