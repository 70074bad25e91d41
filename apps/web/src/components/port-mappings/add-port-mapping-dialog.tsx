'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type InstanceView, useTRPC } from '../../client/trpc';
import { addPortMappingFormSchema } from '../forms/form-schemas';
import { useDialogForm } from '../forms/use-dialog-form';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { FormErrorNotice } from '../ui/notice';

/** Adds one mapping to an instance (its other mappings are kept). */
export const AddPortMappingDialog = ({
  instances,
  isOpen,
  onClose,
}: {
  instances: readonly InstanceView[];
  isOpen: boolean;
  onClose: () => void;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const candidates = useMemo(
    () => instances.filter((instance) => instance.status === 'running' || instance.status === 'failed'),
    [instances],
  );
  const save = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const schema = useMemo(() => addPortMappingFormSchema({ instances: candidates }), [candidates]);
  const { form, submit, errorOf, serverError, isPending } = useDialogForm({
    schema,
    defaultValues: {
      instanceId: candidates[0]?.id ?? '',
      mapping: { hostPort: '', instancePort: '', protocol: 'tcp' },
    },
    send: save.mutateAsync,
    // The request lists the instance's mappings with the new one last: that one is this form's.
    toFormField: (field, request) => {
      const prefix = `ports.${request.ports.length - 1}`;
      if (field === prefix || field.startsWith(`${prefix}.`)) return `mapping${field.slice(prefix.length)}`;
      return field.startsWith('ports') ? undefined : field;
    },
  });

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="Add a port mapping"
      description="A host port of the instance's node, on its external address, reaches a port of the instance."
      testId="add-port-mapping-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-port-mapping-form" variant="primary" isBusy={isPending}>
            Add mapping
          </Button>
        </>
      }
    >
      <form id="add-port-mapping-form" className="form" onSubmit={submit} noValidate>
        <Field label="Instance" htmlFor="mapping-instance" error={errorOf('instanceId')}>
          <select
            id="mapping-instance"
            className="select"
            aria-invalid={Boolean(errorOf('instanceId'))}
            {...form.register('instanceId')}
          >
            {candidates.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.id} ({candidate.ipAddr} on {candidate.nodeId})
              </option>
            ))}
          </select>
        </Field>
        <div className="form-row">
          <Field label="Host port" htmlFor="mapping-host-port" error={errorOf('mapping.hostPort')}>
            <input
              id="mapping-host-port"
              className="input mono"
              inputMode="numeric"
              aria-invalid={Boolean(errorOf('mapping.hostPort'))}
              {...form.register('mapping.hostPort')}
            />
          </Field>
          <Field
            label="Instance port"
            htmlFor="mapping-instance-port"
            error={errorOf('mapping.instancePort')}
          >
            <input
              id="mapping-instance-port"
              className="input mono"
              inputMode="numeric"
              aria-invalid={Boolean(errorOf('mapping.instancePort'))}
              {...form.register('mapping.instancePort')}
            />
          </Field>
        </div>
        <Field label="Protocol" htmlFor="mapping-protocol">
          <select id="mapping-protocol" className="select" {...form.register('mapping.protocol')}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
          </select>
        </Field>
      </form>
      <FormErrorNotice error={serverError} title="The mapping was not added" />
    </Dialog>
  );
};
