'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { readError, readFieldError } from '../../client/read-error';
import { type InstanceView, type NodeSummary, useTRPC } from '../../client/trpc';
import { PortEditor } from '../forms/port-editor';
import { checkId, checkInstanceAddress, checkPorts, type PortDraft, toPorts } from '../forms/validate';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';

type LocalError = { field: string; message: string };

/**
 * Creates an instance on a node: an address allocated from the node's subnet (or one chosen and
 * checked), a namespace, and its port mappings.
 */
export const CreateInstanceDialog = ({
  isOpen,
  onClose,
  nodes,
  instances,
  defaultNodeId,
}: {
  isOpen: boolean;
  onClose: () => void;
  nodes: readonly NodeSummary[];
  instances: readonly InstanceView[];
  defaultNodeId?: string;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [nodeId, setNodeId] = useState(defaultNodeId ?? nodes[0]?.id ?? '');
  const [instanceId, setInstanceId] = useState('');
  const [addressMode, setAddressMode] = useState<'allocate' | 'choose'>('allocate');
  const [ipAddr, setIpAddr] = useState('');
  const [ports, setPorts] = useState<PortDraft[]>([]);
  const [localError, setLocalError] = useState<LocalError | undefined>();
  const create = useMutation(
    trpc.instance.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const node = nodes.find((candidate) => candidate.id === nodeId);
  const apiError = readError(create.error);
  const errorOf = (field: string) =>
    localError?.field === field ? localError.message : readFieldError({ error: apiError, field });
  const portError = localError?.field.startsWith('ports')
    ? localError
    : apiError?.field?.startsWith('ports')
      ? { field: apiError.field, message: apiError.message }
      : undefined;

  const validate = (): LocalError | undefined => {
    if (!node) return { field: 'nodeId', message: 'choose a node' };
    const idProblem = checkId(instanceId.trim());
    if (idProblem) return { field: 'instanceId', message: `instance id ${idProblem}` };
    if (instances.some((instance) => instance.id === instanceId.trim()))
      return { field: 'instanceId', message: `there is already an instance '${instanceId.trim()}'` };
    if (addressMode === 'choose') {
      const problem = checkInstanceAddress({
        address: ipAddr.trim(),
        subnet: node.subnet,
        nodeIpAddr: node.nodeIpAddr,
        usedAddresses: instances
          .filter((instance) => instance.nodeId === node.id)
          .map((instance) => instance.ipAddr),
      });
      if (problem) return { field: 'ipAddr', message: `${ipAddr.trim() || 'the address'} ${problem}` };
    }
    return checkPorts(ports);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validate();
    setLocalError(problem);
    if (problem) return;
    create.mutate({
      nodeId,
      instanceId: instanceId.trim(),
      ...(addressMode === 'choose' ? { ipAddr: ipAddr.trim() } : {}),
      ports: toPorts(ports),
    });
  };

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
          <Button onClick={onClose} disabled={create.isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            form="create-instance-form"
            variant="primary"
            isBusy={create.isPending}
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
              value={nodeId}
              onChange={(event) => setNodeId(event.target.value)}
              aria-invalid={Boolean(errorOf('nodeId'))}
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
              value={instanceId}
              onChange={(event) => setInstanceId(event.target.value)}
              aria-invalid={Boolean(errorOf('instanceId'))}
              autoComplete="off"
            />
          </Field>
        </div>
        <div className="field">
          <span className="field-label">Address</span>
          <div className="row">
            <fieldset className="segmented" aria-label="Address">
              <button
                type="button"
                aria-pressed={addressMode === 'allocate'}
                onClick={() => setAddressMode('allocate')}
              >
                Allocate the next free one
              </button>
              <button
                type="button"
                aria-pressed={addressMode === 'choose'}
                onClick={() => setAddressMode('choose')}
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
                value={ipAddr}
                onChange={(event) => setIpAddr(event.target.value)}
                aria-label="Instance address"
                aria-invalid={Boolean(errorOf('ipAddr'))}
              />
            ) : null}
          </div>
          {errorOf('ipAddr') ? (
            <div className="field-error" role="alert">
              {errorOf('ipAddr')}
            </div>
          ) : (
            <div className="field-hint">
              {addressMode === 'allocate'
                ? 'The lowest free address of the node subnet.'
                : 'Checked against the subnet and the addresses in use.'}
            </div>
          )}
        </div>
        <PortEditor ports={ports} onChange={setPorts} error={portError} />
      </form>
      {create.isPending ? (
        <div className="progress" role="status" data-testid="operation-progress">
          <span className="spinner" /> Setting up the namespace, veth, address and port mappings on{' '}
          {node?.name}…
        </div>
      ) : null}
      <ErrorNotice error={apiError} title="The instance was not created" />
    </Dialog>
  );
};
