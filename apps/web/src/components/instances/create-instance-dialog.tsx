'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useFieldArray } from 'react-hook-form';
import { type NodeSummary, useTRPC } from '../../client/trpc';
import { createInstanceFormSchema, emptyPortDraft } from '../forms/form-schemas';
import { PortEditor } from '../forms/port-editor';
import { useDialogForm } from '../forms/use-dialog-form';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { FormErrorNotice } from '../ui/notice';

/**
 * Creates an instance on a node: an address allocated from the node's subnet (or one chosen and
 * checked), a namespace, and its port mappings.
 */
export const CreateInstanceDialog = ({
  isOpen,
  onClose,
  nodes,
  defaultNodeId,
}: {
  isOpen: boolean;
  onClose: () => void;
  nodes: readonly NodeSummary[];
  defaultNodeId?: string;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.instance.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const schema = useMemo(() => createInstanceFormSchema({ nodes }), [nodes]);
  const { form, submit, errorOf, serverError, isPending } = useDialogForm({
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
  const ports = useFieldArray({ control: form.control, name: 'ports' });
  const node = nodes.find((candidate) => candidate.id === form.watch('nodeId'));
  const addressMode = form.watch('addressMode');
  const addressError = errorOf('ipAddr');

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="Create an instance"
      description="It gets its own network namespace on the node, an address of the node's subnet and its port mappings."
      isWide
      testId="create-instance-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            form="create-instance-form"
            variant="primary"
            isBusy={isPending}
            data-testid="submit-instance"
          >
            Create instance
          </Button>
        </>
      }
    >
      <form id="create-instance-form" className="form" onSubmit={submit} noValidate>
        <div className="form-row">
          <Field
            label="Node"
            htmlFor="instance-node"
            error={errorOf('nodeId')}
            hint={node ? `Subnet ${node.subnet}` : undefined}
          >
            <select
              id="instance-node"
              className="select"
              aria-invalid={Boolean(errorOf('nodeId'))}
              {...form.register('nodeId')}
            >
              {nodes.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.name} ({candidate.subnet}, {candidate.status})
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Instance id"
            htmlFor="instance-id"
            error={errorOf('instanceId')}
            hint="Unique in the cluster, e.g. web-1"
          >
            <input
              id="instance-id"
              className="input mono"
              aria-invalid={Boolean(errorOf('instanceId'))}
              autoComplete="off"
              {...form.register('instanceId')}
            />
          </Field>
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
          {addressError ? (
            <div className="field-error" id="instance-address-error" role="alert">
              {addressError}
            </div>
          ) : (
            <div className="field-hint">
              {addressMode === 'allocate'
                ? 'The lowest free address of the node subnet.'
                : 'Checked against the node subnet here, and against the addresses in use by the server.'}
            </div>
          )}
        </div>
        <PortEditor
          rows={ports.fields}
          register={(name) => form.register(name)}
          errorOf={errorOf}
          onAdd={() => ports.append(emptyPortDraft)}
          onRemove={ports.remove}
        />
      </form>
      {isPending ? (
        <div className="progress" role="status" data-testid="operation-progress">
          <span className="spinner" /> Setting up the namespace, veth, address and port mappings on{' '}
          {node?.name}…
        </div>
      ) : null}
      <FormErrorNotice error={serverError} title="The instance was not created" />
    </Dialog>
  );
};
