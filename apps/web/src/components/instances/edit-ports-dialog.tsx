'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { PortEditor } from '../forms/port-editor';
import { checkPorts, type PortDraft, toPorts } from '../forms/validate';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { ErrorNotice } from '../ui/notice';

type Port = { hostPort: number; instancePort: number; protocol: string };

/** Changes a running instance's port mappings to exactly the rows of the form (one atomic change on its node). */
export const EditPortsDialog = ({
  instanceId,
  current,
  isOpen,
  onClose,
}: {
  instanceId: string;
  current: readonly Port[];
  isOpen: boolean;
  onClose: () => void;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [ports, setPorts] = useState<PortDraft[]>(() =>
    current.map((port) => ({
      hostPort: String(port.hostPort),
      instancePort: String(port.instancePort),
      protocol: port.protocol === 'udp' ? 'udp' : 'tcp',
    })),
  );
  const [localError, setLocalError] = useState<{ field: string; message: string } | undefined>();
  const save = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const apiError = readError(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = checkPorts(ports);
    setLocalError(problem);
    if (!problem) save.mutate({ instanceId, ports: toPorts(ports) });
  };
  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title={`Port mappings of ${instanceId}`}
      description="The instance's mappings become exactly these, in one change on its node."
      isWide
      testId="edit-ports-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            form="edit-ports-form"
            variant="primary"
            isBusy={save.isPending}
            data-testid="save-ports"
          >
            Save mappings
          </Button>
        </>
      }
    >
      <form id="edit-ports-form" className="form" onSubmit={submit} noValidate>
        <PortEditor
          ports={ports}
          onChange={setPorts}
          error={
            localError ??
            (apiError?.field?.startsWith('ports')
              ? { field: apiError.field, message: apiError.message }
              : undefined)
          }
        />
      </form>
      <ErrorNotice error={apiError} title="The port mappings were not changed" />
    </Dialog>
  );
};
