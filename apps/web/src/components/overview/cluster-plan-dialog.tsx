'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { readError, readFieldError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';

/** Changes the cluster's address plan: the network node subnets are carved from, and their size. */
export const ClusterPlanDialog = ({
  current,
  onClose,
}: {
  current: { clusterCidr: string; nodePrefixLength: number };
  onClose: () => void;
}) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [clusterCidr, setClusterCidr] = useState(current.clusterCidr);
  const [prefixLength, setPrefixLength] = useState(String(current.nodePrefixLength));
  const save = useMutation(
    trpc.cluster.updateSettings.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const error = readError(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ clusterCidr: clusterCidr.trim(), nodePrefixLength: Number(prefixLength) });
  };
  return (
    <Dialog
      isOpen
      onClose={onClose}
      title="Address plan"
      description="Every node gets a subnet of this size from the cluster network. It can change only while no node holds a subnet."
      footer={
        <>
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="cluster-plan-form" variant="primary" isBusy={save.isPending}>
            Save
          </Button>
        </>
      }
    >
      <form id="cluster-plan-form" className="form-row" onSubmit={submit} noValidate>
        <Field
          label="Cluster network"
          htmlFor="cluster-cidr"
          error={readFieldError({ error, field: 'clusterCidr' })}
          hint="e.g. 10.0.0.0/16"
        >
          <input
            id="cluster-cidr"
            className="input mono"
            value={clusterCidr}
            onChange={(event) => setClusterCidr(event.target.value)}
          />
        </Field>
        <Field
          label="Subnet size per node"
          htmlFor="node-prefix"
          error={readFieldError({ error, field: 'nodePrefixLength' })}
          hint="prefix length, e.g. 24 (254 instances)"
        >
          <input
            id="node-prefix"
            className="input mono"
            inputMode="numeric"
            value={prefixLength}
            onChange={(event) => setPrefixLength(event.target.value)}
          />
        </Field>
      </form>
      <ErrorNotice error={error} title="The address plan was not changed" />
    </Dialog>
  );
};
