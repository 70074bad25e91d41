'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../client/trpc';
import { ZClusterPlanForm } from '../forms/form-schemas';
import { useDialogForm } from '../forms/use-dialog-form';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { Field } from '../ui/field';
import { FormErrorNotice } from '../ui/notice';

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
  const save = useMutation(
    trpc.cluster.updateSettings.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onClose();
      },
    }),
  );
  const { form, submit, errorOf, serverError, isPending } = useDialogForm({
    schema: ZClusterPlanForm,
    defaultValues: { clusterCidr: current.clusterCidr, nodePrefixLength: String(current.nodePrefixLength) },
    send: save.mutateAsync,
  });
  return (
    <Dialog
      isOpen
      onClose={onClose}
      title="Address plan"
      description="Every node gets a subnet of this size from the cluster network. It can change only while no node holds a subnet."
      footer={
        <>
          <Button onClick={onClose} disabled={isPending}>
            Cancel
          </Button>
          <Button type="submit" form="cluster-plan-form" variant="primary" isBusy={isPending}>
            Save
          </Button>
        </>
      }
    >
      <form id="cluster-plan-form" className="form-row" onSubmit={submit} noValidate>
        <Field
          label="Cluster network"
          htmlFor="cluster-cidr"
          error={errorOf('clusterCidr')}
          hint="e.g. 10.0.0.0/16"
        >
          <input
            id="cluster-cidr"
            className="input mono"
            aria-invalid={Boolean(errorOf('clusterCidr'))}
            {...form.register('clusterCidr')}
          />
        </Field>
        <Field
          label="Subnet size per node"
          htmlFor="node-prefix"
          error={errorOf('nodePrefixLength')}
          hint="prefix length, e.g. 24 (254 instances)"
        >
          <input
            id="node-prefix"
            className="input mono"
            inputMode="numeric"
            aria-invalid={Boolean(errorOf('nodePrefixLength'))}
            {...form.register('nodePrefixLength')}
          />
        </Field>
      </form>
      <FormErrorNotice error={serverError} title="The address plan was not changed" />
    </Dialog>
  );
};
