'use client';

import { useMutation } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useFieldArray } from 'react-hook-form';
import { type NodeSummary, useTRPC } from '../../client/trpc';
import { FormDialog } from '../forms/form-dialog';
import { InputField, SelectField } from '../forms/form-fields';
import { createInstanceFormSchema } from '../forms/form-schemas';
import { PortEditor } from '../forms/port-editor';
import { useDialogForm, useRefreshThenClose } from '../forms/use-dialog-form';
import { type DialogVisibility, Progress } from '../ui/dialog';
import { FieldMessage } from '../ui/field';

/**
 * Creates an instance on a node: an address allocated from the node's subnet (or one chosen and
 * checked), a namespace, and its port mappings.
 */
export const CreateInstanceDialog = ({
  isOpen,
  onClose,
  nodes,
  defaultNodeId,
}: DialogVisibility & {
  nodes: readonly NodeSummary[];
  defaultNodeId?: string;
}) => {
  const trpc = useTRPC();
  const onSuccess = useRefreshThenClose({ onClose });
  const create = useMutation(trpc.instance.create.mutationOptions({ onSuccess }));
  const schema = useMemo(() => createInstanceFormSchema({ nodes }), [nodes]);
  const dialogForm = useDialogForm({
    schema,
    defaultValues: {
      nodeId: defaultNodeId ?? nodes[0]?.id ?? '',
      instanceId: '',
      addressMode: 'allocate',
      ipAddr: '',
      ports: [],
    },
    send: create.mutateAsync,
  });
  const { form, errorOf, field } = dialogForm;
  const ports = useFieldArray({ control: form.control, name: 'ports' });
  const node = nodes.find((candidate) => candidate.id === form.watch('nodeId'));
  const addressMode = form.watch('addressMode');
  const addressError = errorOf('ipAddr');

  return (
    <FormDialog
      dialogForm={dialogForm}
      isOpen={isOpen}
      onClose={onClose}
      title="Create an instance"
      description="It gets its own network namespace on the node, an address of the node's subnet and its port mappings."
      isWide
      testId="create-instance-dialog"
      formId="create-instance-form"
      submitLabel="Create instance"
      submitTestId="submit-instance"
      errorTitle="The instance was not created"
      progress={
        <Progress testId="operation-progress">
          Setting up the namespace, veth, address and port mappings on {node?.name}…
        </Progress>
      }
    >
      <div className="form-row">
        <SelectField
          label="Node"
          id="instance-node"
          hint={node ? `Subnet ${node.subnet}` : undefined}
          {...field('nodeId')}
        >
          {nodes.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({candidate.subnet}, {candidate.status})
            </option>
          ))}
        </SelectField>
        <InputField
          label="Instance id"
          id="instance-id"
          hint="Unique in the cluster, e.g. web-1"
          className="input mono"
          autoComplete="off"
          {...field('instanceId')}
        />
      </div>
      <div className="field" data-testid="address-field">
        <span className="field-label">Address</span>
        <div className="row">
          <fieldset className="segmented" aria-label="Address">
            <button
              type="button"
              aria-pressed={addressMode === 'allocate'}
              onClick={() => form.setValue('addressMode', 'allocate')}
            >
              Allocate the next free one
            </button>
            <button
              type="button"
              aria-pressed={addressMode === 'choose'}
              onClick={() => form.setValue('addressMode', 'choose')}
              data-testid="choose-address"
            >
              Choose one
            </button>
          </fieldset>
          {addressMode === 'choose' ? (
            <input
              id="instance-address"
              className="input mono"
              placeholder={node ? node.subnet.replace(/\.0\/\d+$/, '.10') : '10.0.1.10'}
              aria-label="Instance address"
              aria-invalid={Boolean(addressError)}
              aria-describedby={addressError ? 'instance-address-error' : undefined}
              {...form.register('ipAddr')}
            />
          ) : null}
        </div>
        <FieldMessage
          id="instance-address-error"
          error={addressError}
          hint={
            addressMode === 'allocate'
              ? 'The lowest free address of the node subnet.'
              : 'Checked against the node subnet here, and against the addresses in use by the server.'
          }
        />
      </div>
      <PortEditor ports={ports} register={(name) => form.register(name)} errorOf={errorOf} />
    </FormDialog>
  );
};
