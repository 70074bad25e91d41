'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../client/trpc';
import { ZAddNodeForm } from '../forms/form-schemas';
import { useDialogForm } from '../forms/use-dialog-form';
import { JoinPanel } from '../join/join-panel';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { FormErrorNotice } from '../ui/notice';

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
  const addNode = useMutation(
    trpc.node.add.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const { form, submit, errorOf, serverError, isPending } = useDialogForm({
    schema: ZAddNodeForm,
    defaultValues: { agentUrl: 'http://', agentToken: '', externalIpAddr: '', name: '', subnet: '' },
    send: addNode.mutateAsync,
  });
  const seconds = useElapsedSeconds(isPending);

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="Add a node"
      description="Give the address and token of the agent running on the machine. The node gets a free subnet unless you choose one."
      testId="add-node-dialog"
      footer={
        <>
          <Button onClick={onClose} disabled={isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-node-form" variant="primary" isBusy={isPending}>
            Add node
          </Button>
        </>
      }
    >
      <JoinPanel />
      <h3>Or add an agent already running, by its URL and token</h3>
      <form id="add-node-form" className="form" onSubmit={submit} noValidate>
        <Field
          label="Agent URL"
          htmlFor="agentUrl"
          error={errorOf('agentUrl')}
          hint="e.g. http://10.1.2.3:7070"
        >
          <input
            id="agentUrl"
            className="input"
            aria-invalid={Boolean(errorOf('agentUrl'))}
            {...form.register('agentUrl')}
          />
        </Field>
        <Field
          label="Agent token"
          htmlFor="agentToken"
          error={errorOf('agentToken')}
          hint="The bearer token the agent was started with"
        >
          <input
            id="agentToken"
            className="input"
            type="password"
            autoComplete="off"
            aria-invalid={Boolean(errorOf('agentToken'))}
            {...form.register('agentToken')}
          />
        </Field>
        <div className="form-row">
          <Field
            label="External address"
            htmlFor="externalIpAddr"
            error={errorOf('externalIpAddr')}
            hint="Its address on the network between nodes"
          >
            <input
              id="externalIpAddr"
              className="input mono"
              placeholder="198.51.100.11"
              aria-invalid={Boolean(errorOf('externalIpAddr'))}
              {...form.register('externalIpAddr')}
            />
          </Field>
          <Field
            label="Name (optional)"
            htmlFor="name"
            error={errorOf('name')}
            hint="Defaults to the agent's node id"
          >
            <input
              id="name"
              className="input"
              aria-invalid={Boolean(errorOf('name'))}
              {...form.register('name')}
            />
          </Field>
        </div>
        <Field
          label="Subnet (optional)"
          htmlFor="subnet"
          error={errorOf('subnet')}
          hint="A free subnet of the cluster network is chosen when empty"
        >
          <input
            id="subnet"
            className="input mono"
            placeholder="10.0.5.0/24"
            aria-invalid={Boolean(errorOf('subnet'))}
            {...form.register('subnet')}
          />
        </Field>
      </form>
      {isPending ? (
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
      <FormErrorNotice error={serverError} title="The node was not added" />
    </Dialog>
  );
};
