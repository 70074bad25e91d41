'use client';

import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../../client/trpc';
import { FormDialog } from '../forms/form-dialog';
import { InputField } from '../forms/form-fields';
import { ZClusterPlanForm } from '../forms/form-schemas';
import { useDialogForm, useRefreshThenClose } from '../forms/use-dialog-form';

/** Changes the cluster's address plan: the network node subnets are carved from, and their size. */
export const ClusterPlanDialog = ({
  current,
  onClose,
}: {
  current: { clusterCidr: string; nodePrefixLength: number };
  onClose: () => void;
}) => {
  const trpc = useTRPC();
  const onSuccess = useRefreshThenClose({ onClose });
  const save = useMutation(trpc.cluster.updateSettings.mutationOptions({ onSuccess }));
  const dialogForm = useDialogForm({
    schema: ZClusterPlanForm,
    defaultValues: { clusterCidr: current.clusterCidr, nodePrefixLength: String(current.nodePrefixLength) },
    send: save.mutateAsync,
  });
  const { field } = dialogForm;
  return (
    <FormDialog
      dialogForm={dialogForm}
      onClose={onClose}
      title="Address plan"
      description="Every node gets a subnet of this size from the cluster network. It can change only while no node holds a subnet."
      formId="cluster-plan-form"
      formClassName="form-row"
      submitLabel="Save"
      errorTitle="The address plan was not changed"
    >
      <InputField
        label="Cluster network"
        id="cluster-cidr"
        hint="e.g. 10.0.0.0/16"
        className="input mono"
        {...field('clusterCidr')}
      />
      <InputField
        label="Subnet size per node"
        id="node-prefix"
        hint="prefix length, e.g. 24 (254 instances)"
        className="input mono"
        inputMode="numeric"
        {...field('nodePrefixLength')}
      />
    </FormDialog>
  );
};
