'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { readError, readFieldError } from '../../client/read-error';
import { type InstanceView, useTRPC } from '../../client/trpc';
import { checkPorts } from '../forms/validate';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';

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
  const candidates = instances.filter(
    (instance) => instance.status === 'running' || instance.status === 'failed',
  );
  const [instanceId, setInstanceId] = useState(candidates[0]?.id ?? '');
  const [hostPort, setHostPort] = useState('');
  const [instancePort, setInstancePort] = useState('');
  const [protocol, setProtocol] = useState<'tcp' | 'udp'>('tcp');
  const [localError, setLocalError] = useState<{ field: string; message: string } | undefined>();
  const save = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const instance = candidates.find((candidate) => candidate.id === instanceId);
  const existing = instance?.portMappings ?? [];
  const newIndex = existing.length;
  const apiError = readError(save.error);
  const errorOf = (key: 'hostPort' | 'instancePort') =>
    localError?.field === `ports.${newIndex}.${key}`
      ? localError.message
      : readFieldError({ error: apiError, field: `ports.${newIndex}.${key}` });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!instance) {
      setLocalError({ field: 'instanceId', message: 'choose an instance' });
      return;
    }
    const drafts = [
      ...existing.map((port) => ({
        hostPort: String(port.hostPort),
        instancePort: String(port.instancePort),
        protocol: port.protocol as 'tcp' | 'udp',
      })),
      { hostPort, instancePort, protocol },
    ];
    const problem = checkPorts(drafts);
    setLocalError(problem);
    if (problem) return;
    save.mutate({
      instanceId: instance.id,
      ports: drafts.map((port) => ({
        hostPort: Number(port.hostPort),
        instancePort: Number(port.instancePort),
        protocol: port.protocol,
      })),
    });
  };

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="Add a port mapping"
      description="A host port of the instance's node, on its external address, reaches a port of the instance."
      testId="add-port-mapping-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-port-mapping-form" variant="primary" isBusy={save.isPending}>
            Add mapping
          </Button>
        </>
      }
    >
      <form id="add-port-mapping-form" className="form" onSubmit={submit} noValidate>
        <Field
          label="Instance"
          htmlFor="mapping-instance"
          error={
            localError?.field === 'instanceId'
              ? localError.message
              : readFieldError({ error: apiError, field: 'instanceId' })
          }
        >
          <select
            id="mapping-instance"
            className="select"
            value={instanceId}
            onChange={(event) => setInstanceId(event.target.value)}
          >
            {candidates.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.id} ({candidate.ipAddr} on {candidate.nodeId})
              </option>
            ))}
          </select>
        </Field>
        <div className="form-row">
          <Field label="Host port" htmlFor="mapping-host-port" error={errorOf('hostPort')}>
            <input
              id="mapping-host-port"
              className="input mono"
              inputMode="numeric"
              value={hostPort}
              onChange={(event) => setHostPort(event.target.value)}
              aria-invalid={Boolean(errorOf('hostPort'))}
            />
          </Field>
          <Field label="Instance port" htmlFor="mapping-instance-port" error={errorOf('instancePort')}>
            <input
              id="mapping-instance-port"
              className="input mono"
              inputMode="numeric"
              value={instancePort}
              onChange={(event) => setInstancePort(event.target.value)}
              aria-invalid={Boolean(errorOf('instancePort'))}
            />
          </Field>
        </div>
        <Field label="Protocol" htmlFor="mapping-protocol">
          <select
            id="mapping-protocol"
            className="select"
            value={protocol}
            onChange={(event) => setProtocol(event.target.value as 'tcp' | 'udp')}
          >
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
          </select>
        </Field>
      </form>
      <ErrorNotice error={apiError} title="The mapping was not added" />
    </Dialog>
  );
};
