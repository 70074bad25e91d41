export type InstanceFilter = {
  /** Free text: matched against the id, the address, the namespace and a CNI instance's container id. */
  text: string;
  nodeId: string;
  /** A whole address, or the start of one (`10.0.1.` matches a /24). */
  address: string;
  /** A host port or an instance port. */
  port: string;
  status: string;
};

export const emptyInstanceFilter: InstanceFilter = {
  text: '',
  nodeId: '',
  address: '',
  port: '',
  status: '',
};

type FilterableInstance = {
  id: string;
  nodeId: string;
  ipAddr: string;
  status: string;
  namespaceName: string | null;
  containerId?: string | null;
  portMappings: { hostPort: number; instancePort: number }[];
};

/** The table column each filter narrows (the instances table filters through these columns). */
export const instanceFilterColumns = {
  text: 'instance',
  nodeId: 'node',
  address: 'address',
  port: 'ports',
  status: 'status',
} as const satisfies Record<keyof InstanceFilter, string>;

/** Whether an instance passes one filter whose value is set. */
export const instanceMatchers: Record<
  keyof InstanceFilter,
  (instance: FilterableInstance, value: string) => boolean
> = {
  text: (instance, value) => {
    const text = value.trim().toLowerCase();
    return (
      instance.id.toLowerCase().includes(text) ||
      instance.ipAddr.includes(text) ||
      (instance.namespaceName ?? '').toLowerCase().includes(text) ||
      (instance.containerId ?? '').toLowerCase().includes(text)
    );
  },
  nodeId: (instance, value) => instance.nodeId === value,
  address: (instance, value) => {
    const address = value.trim();
    return /^\d+\.\d+\.\d+\.\d+$/.test(address)
      ? instance.ipAddr === address
      : instance.ipAddr.startsWith(address);
  },
  port: (instance, value) => {
    const port = Number(value.trim());
    return instance.portMappings.some(
      (mapping) => mapping.hostPort === port || mapping.instancePort === port,
    );
  },
  status: (instance, value) => instance.status === value,
};

const isSet = (value: string) => value.trim() !== '';

/** The filters that are set, as the table's column filters. */
export const toInstanceColumnFilters = (filter: InstanceFilter) =>
  (Object.keys(instanceFilterColumns) as (keyof InstanceFilter)[])
    .filter((key) => isSet(filter[key]))
    .map((key) => ({ id: instanceFilterColumns[key], value: filter[key] }));

/** The instances that match every filter that is set (what the instances table shows, before paging). */
export const filterInstances = <Instance extends FilterableInstance>({
  instances,
  filter,
}: {
  instances: readonly Instance[];
  filter: InstanceFilter;
}) => {
  const keys = (Object.keys(instanceMatchers) as (keyof InstanceFilter)[]).filter((key) =>
    isSet(filter[key]),
  );
  return instances.filter((instance) => keys.every((key) => instanceMatchers[key](instance, filter[key])));
};
