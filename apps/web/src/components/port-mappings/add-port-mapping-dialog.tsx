'use client';

import { useMutation } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type InstanceView, useTRPC } from '../../client/trpc';
import { FormDialog } from '../forms/form-dialog';
import { InputField, SelectField } from '../forms/form-fields';
import { addPortMappingFormSchema } from '../forms/form-schemas';
import { useDialogForm, useRefreshThenClose } from '../forms/use-dialog-form';
import type { DialogVisibility } from '../ui/dialog';

/** Adds one mapping to an instance (its other mappings are kept). */
export const AddPortMappingDialog = ({
  instances,
  isOpen,
  onClose,
}: DialogVisibility & {
  instances: readonly InstanceView[];
}) => {
  const trpc = useTRPC();
  const candidates = useMemo(
    () => instances.filter((instance) => instance.status === 'running' || instance.status === 'failed'),
    [instances],
  );
  const onSuccess = useRefreshThenClose({ onClose });
  const save = useMutation(trpc.portMapping.set.mutationOptions({ onSuccess }));
  const schema = useMemo(() => addPortMappingFormSchema({ instances: candidates }), [candidates]);
  const dialogForm = useDialogForm({
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
  const { field } = dialogForm;

  return (
    <FormDialog
      dialogForm={dialogForm}
      isOpen={isOpen}
      onClose={onClose}
      title="Add a port mapping"
      description="A host port of the instance's node, on its external address, reaches a port of the instance."
      testId="add-port-mapping-dialog"
      formId="add-port-mapping-form"
      submitLabel="Add mapping"
      errorTitle="The mapping was not added"
    >
      <SelectField label="Instance" id="mapping-instance" {...field('instanceId')}>
        {candidates.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {candidate.id} ({candidate.ipAddr} on {candidate.nodeId})
          </option>
        ))}
      </SelectField>
      <div className="form-row">
        <InputField
          label="Host port"
          id="mapping-host-port"
          className="input mono"
          inputMode="numeric"
          {...field('mapping.hostPort')}
        />
        <InputField
          label="Instance port"
          id="mapping-instance-port"
          className="input mono"
          inputMode="numeric"
          {...field('mapping.instancePort')}
        />
      </div>
      <SelectField label="Protocol" id="mapping-protocol" {...field('mapping.protocol')}>
        <option value="tcp">tcp</option>
        <option value="udp">udp</option>
      </SelectField>
    </FormDialog>
  );
};
