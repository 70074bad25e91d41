'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../client/trpc';
import { FormDialog } from '../forms/form-dialog';
import { InputField } from '../forms/form-fields';
import { ZAddNodeForm } from '../forms/form-schemas';
import { useDialogForm, useRefreshThenClose } from '../forms/use-dialog-form';
import { JoinPanel } from '../join/join-panel';
import { type DialogVisibility, Progress } from '../ui/dialog';

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
}: DialogVisibility & {
  peerCount: number;
}) => {
  const trpc = useTRPC();
  const onSuccess = useRefreshThenClose({ onClose });
  const addNode = useMutation(trpc.node.add.mutationOptions({ onSuccess }));
  const dialogForm = useDialogForm({
    schema: ZAddNodeForm,
    defaultValues: { agentUrl: 'http://', agentToken: '', externalIpAddr: '', name: '', subnet: '' },
    send: addNode.mutateAsync,
  });
  const { field } = dialogForm;
  const seconds = useElapsedSeconds(dialogForm.isPending);

  return (
    <FormDialog
      dialogForm={dialogForm}
      isOpen={isOpen}
      onClose={onClose}
      title="Add a node"
      description="Give the address and token of the agent running on the machine. The node gets a free subnet unless you choose one."
      testId="add-node-dialog"
      formId="add-node-form"
      submitLabel="Add node"
      errorTitle="The node was not added"
      intro={
        <>
          <JoinPanel />
          <h3>Or add an agent already running, by its URL and token</h3>
        </>
      }
      progress={
        <Progress testId="operation-progress">
          <div>
            Adding the node… {seconds} s
            <ol className="progress-steps">
              <li>checking the agent and allocating a subnet</li>
              <li>setting up its bridge, rules and routes to {peerCount} node(s)</li>
              <li>announcing it to {peerCount} node(s)</li>
            </ol>
          </div>
        </Progress>
      }
    >
      <InputField label="Agent URL" id="agentUrl" hint="e.g. http://10.1.2.3:7070" {...field('agentUrl')} />
      <InputField
        label="Agent token"
        id="agentToken"
        hint="The bearer token the agent was started with"
        type="password"
        autoComplete="off"
        {...field('agentToken')}
      />
      <div className="form-row">
        <InputField
          label="External address"
          id="externalIpAddr"
          hint="Its address on the network between nodes"
          className="input mono"
          placeholder="198.51.100.11"
          {...field('externalIpAddr')}
        />
        <InputField
          label="Name (optional)"
          id="name"
          hint="Defaults to the agent's node id"
          {...field('name')}
        />
      </div>
      <InputField
        label="Subnet (optional)"
        id="subnet"
        hint="A free subnet of the cluster network is chosen when empty"
        className="input mono"
        placeholder="10.0.5.0/24"
        {...field('subnet')}
      />
    </FormDialog>
  );
};
