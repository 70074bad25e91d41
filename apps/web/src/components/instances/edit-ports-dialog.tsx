'use client';

import { useMutation } from '@tanstack/react-query';
import { useFieldArray } from 'react-hook-form';
import type { PortView } from '../../client/format';
import { useTRPC } from '../../client/trpc';
import { FormDialog } from '../forms/form-dialog';
import { toPortDraft, ZEditPortsForm } from '../forms/form-schemas';
import { PortEditor } from '../forms/port-editor';
import { useDialogForm, useRefreshThenClose } from '../forms/use-dialog-form';
import type { DialogVisibility } from '../ui/dialog';

/** Changes a running instance's port mappings to exactly the rows of the form (one atomic change on its node). */
export const EditPortsDialog = ({
  instanceId,
  current,
  isOpen,
  onClose,
}: DialogVisibility & {
  instanceId: string;
  current: readonly PortView[];
}) => {
  const trpc = useTRPC();
  const onSuccess = useRefreshThenClose({ onClose });
  const save = useMutation(trpc.portMapping.set.mutationOptions({ onSuccess }));
  const dialogForm = useDialogForm({
    schema: ZEditPortsForm,
    defaultValues: { ports: current.map(toPortDraft) },
    send: ({ ports }) => save.mutateAsync({ instanceId, ports }),
  });
  const { form, errorOf } = dialogForm;
  const ports = useFieldArray({ control: form.control, name: 'ports' });
  return (
    <FormDialog
      dialogForm={dialogForm}
      isOpen={isOpen}
      onClose={onClose}
      title={`Port mappings of ${instanceId}`}
      description="The instance's mappings become exactly these, in one change on its node."
      isWide
      testId="edit-ports-dialog"
      formId="edit-ports-form"
      submitLabel="Save mappings"
      submitTestId="save-ports"
      errorTitle="The port mappings were not changed"
    >
      <PortEditor ports={ports} register={(name) => form.register(name)} errorOf={errorOf} />
    </FormDialog>
  );
};
