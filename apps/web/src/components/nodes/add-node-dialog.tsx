'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { readError, readFieldError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';

/** Seconds since `isRunning` became true, for long operations. */
export const useElapsedSeconds = (isRunning: boolean) => {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!isRunning) return;
    setSeconds(0);
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 500);
    return () => clearInterval(timer);
  }, [isRunning]);
  return seconds;
};

/**
 * Adds a node from its agent's URL and token: the control plane checks the agent, gives the node a
 * subnet, sets it up with routes to every node, and tells every node about it.
 */
export const AddNodeDialog = ({
  isOpen,
  onClose,
  peerCount,
}: {
  isOpen: boolean;
  onClose: () => void;
  peerCount: number;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    agentUrl: 'http://',
    agentToken: '',
    externalIpAddr: '',
    name: '',
    subnet: '',
  });
  const addNode = useMutation(
    trpc.node.add.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const seconds = useElapsedSeconds(addNode.isPending);
  const error = readError(addNode.error);
  const fieldError = (field: string) => readFieldError({ error, field });
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((previous) => ({ ...previous, [key]: event.target.value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    addNode.mutate({
      agentUrl: form.agentUrl.trim(),
      agentToken: form.agentToken,
      externalIpAddr: form.externalIpAddr.trim(),
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.subnet.trim() ? { subnet: form.subnet.trim() } : {}),
    });
  };

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="Add a node"
      description="Give the address and token of the agent running on the machine. The node gets a free subnet unless you choose one."
      testId="add-node-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={addNode.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-node-form" variant="primary" isBusy={addNode.isPending}>
            Add node
          </Button>
        </>
      }
    >
      <form id="add-node-form" className="form" onSubmit={submit}>
        <Field
          label="Agent URL"
          htmlFor="agentUrl"
          error={fieldError('agentUrl')}
          hint="e.g. http://10.1.2.3:7070"
        >
          <input
            id="agentUrl"
            className="input"
            value={form.agentUrl}
            onChange={set('agentUrl')}
            aria-invalid={Boolean(fieldError('agentUrl'))}
            required
          />
        </Field>
        <Field
          label="Agent token"
          htmlFor="agentToken"
          error={fieldError('agentToken')}
          hint="The bearer token the agent was started with"
        >
          <input
            id="agentToken"
            className="input"
            type="password"
            autoComplete="off"
            value={form.agentToken}
            onChange={set('agentToken')}
            aria-invalid={Boolean(fieldError('agentToken'))}
            required
          />
        </Field>
        <div className="form-row">
          <Field
            label="External address"
            htmlFor="externalIpAddr"
            error={fieldError('externalIpAddr')}
            hint="Its address on the network between nodes"
          >
            <input
              id="externalIpAddr"
              className="input mono"
              placeholder="198.51.100.11"
              value={form.externalIpAddr}
              onChange={set('externalIpAddr')}
              aria-invalid={Boolean(fieldError('externalIpAddr'))}
              required
            />
          </Field>
          <Field
            label="Name (optional)"
            htmlFor="name"
            error={fieldError('name')}
            hint="Defaults to the agent's node id"
          >
            <input
              id="name"
              className="input"
              value={form.name}
              onChange={set('name')}
              aria-invalid={Boolean(fieldError('name'))}
            />
          </Field>
        </div>
        <Field
          label="Subnet (optional)"
          htmlFor="subnet"
          error={fieldError('subnet')}
          hint="A free subnet of the cluster network is chosen when empty"
        >
          <input
            id="subnet"
            className="input mono"
            placeholder="10.0.5.0/24"
            value={form.subnet}
            onChange={set('subnet')}
            aria-invalid={Boolean(fieldError('subnet'))}
          />
        </Field>
      </form>
      {addNode.isPending ? (
        <div className="progress" role="status" data-testid="operation-progress">
          <span className="spinner" aria-hidden="true" />
          <div>
            Adding the node… {seconds} s
            <ol className="progress-steps">
              <li>checking the agent and allocating a subnet</li>
              <li>setting up its bridge, rules and routes to {peerCount} node(s)</li>
              <li>announcing it to {peerCount} node(s)</li>
            </ol>
          </div>
        </div>
      ) : null}
      <ErrorNotice error={error} title="The node was not added" />
    </Dialog>
  );
};
