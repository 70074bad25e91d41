'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useFieldArray } from 'react-hook-form';
import { useTRPC } from '../../client/trpc';
import { emptyPortDraft, toPortDraft, ZEditPortsForm } from '../forms/form-schemas';
import { PortEditor } from '../forms/port-editor';
import { useDialogForm } from '../forms/use-dialog-form';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { FormErrorNotice } from '../ui/notice';

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
  const save = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const { form, submit, errorOf, serverError, isPending } = useDialogForm({
    schema: ZEditPortsForm,
    defaultValues: { ports: current.map(toPortDraft) },
    send: ({ ports }) => save.mutateAsync({ instanceId, ports }),
  });
  const ports = useFieldArray({ control: form.control, name: 'ports' });
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
          <Button onClick={onClose} disabled={isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            form="edit-ports-form"
            variant="primary"
            isBusy={isPending}
            data-testid="save-ports"
          >
            Save mappings
          </Button>
        </>
      }
    >
      <form id="edit-ports-form" className="form" onSubmit={submit} noValidate>
        <PortEditor
          rows={ports.fields}
          register={(name) => form.register(name)}
          errorOf={errorOf}
          onAdd={() => ports.append(emptyPortDraft)}
          onRemove={ports.remove}
        />
      </form>
      <FormErrorNotice error={serverError} title="The port mappings were not changed" />
    </Dialog>
  );
};
