'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatPort, pluralize } from '../../client/format';
import { readError } from '../../client/read-error';
import { type NodeDetail, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Dialog, DialogActions, type DialogVisibility, Progress } from '../ui/dialog';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';
import { useElapsedSeconds } from './add-node-dialog';

/**
 * Removes a node after its name is typed. Lists what goes: its instances and their port mappings (with
 * force), its bridge and rules, and its route on every other node.
 */
export const RemoveNodeDialog = ({
  node,
  peerCount,
  isOpen,
  onClose,
}: DialogVisibility & {
  node: NodeDetail;
  peerCount: number;
}) => {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const [isForced, setForced] = useState(false);
  const remove = useMutation(
    trpc.node.remove.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.push('/nodes');
      },
    }),
  );
  const seconds = useElapsedSeconds(remove.isPending);
  const hasInstances = node.instances.length > 0;
  const needsForce = hasInstances;
  const isNameTyped = typed === node.name;
  const mappingCount = node.instances.reduce((sum, instance) => sum + instance.portMappings.length, 0);
  const reason = !isNameTyped
    ? `Type ${node.name} to confirm`
    : needsForce && !isForced
      ? 'Tick the box to also delete its instances'
      : undefined;

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title={`Remove node ${node.name}`}
      description="This cannot be undone. The following will be removed:"
      testId="remove-node-dialog"
      footer={
        <DialogActions onCancel={onClose} isBusy={remove.isPending}>
          <ActionButton
            variant="danger-solid"
            onClick={() => remove.mutate({ nodeId: node.id, force: isForced })}
            isBusy={remove.isPending}
            disabledReason={reason}
            data-testid="confirm-remove-node"
          >
            Remove node
          </ActionButton>
        </DialogActions>
      }
    >
      <ul className="plan-list" data-testid="removal-plan">
        {node.instances.map((instance) => (
          <li key={instance.id}>
            <span className="badge badge-red">instance</span>
            <div className="item-main">
              <div className="mono">
                {instance.id} · {instance.ipAddr}
              </div>
              <div className="item-detail">
                namespace, veth and{' '}
                {instance.portMappings.length > 0
                  ? instance.portMappings.map(formatPort).join(', ')
                  : 'no port mappings'}
              </div>
            </div>
          </li>
        ))}
        <li>
          <span className="badge badge-red">node</span>
          <div className="item-main">
            <div>bridge, forwarding rules and NAT of {node.name}</div>
            <div className="item-detail">its subnet {node.subnet} is free again</div>
          </div>
        </li>
        <li>
          <span className="badge badge-amber">routes</span>
          <div className="item-main">
            <div>
              the route to {node.subnet} and its rules on {pluralize({ count: peerCount, one: 'other node' })}
            </div>
          </div>
        </li>
      </ul>
      {hasInstances ? (
        <label className="row" style={{ alignItems: 'flex-start' }}>
          <input
            type="checkbox"
            className="checkbox"
            checked={isForced}
            onChange={(event) => setForced(event.target.checked)}
            data-testid="force-remove"
          />
          <span>
            Also delete its {pluralize({ count: node.instances.length, one: 'instance' })} and{' '}
            {pluralize({ count: mappingCount, one: 'port mapping' })} (force: the node is dropped even if its
            agent cannot clean up).
          </span>
        </label>
      ) : null}
      <Field label={`Type ${node.name} to confirm`} htmlFor="confirm-node-name">
        <input
          id="confirm-node-name"
          className="input mono"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          autoComplete="off"
          placeholder={node.name}
          data-testid="confirm-node-name"
        />
      </Field>
      {remove.isPending ? (
        <Progress testId="operation-progress">
          Removing {node.name} and telling {pluralize({ count: peerCount, one: 'node' })}… {seconds} s
        </Progress>
      ) : null}
      <ErrorNotice error={readError(remove.error)} title="The node was not removed" />
    </Dialog>
  );
};
