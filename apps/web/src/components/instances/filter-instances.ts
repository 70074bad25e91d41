export type InstanceFilter = {
  /** Free text: matched against the id, the address and the namespace. */
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
  portMappings: { hostPort: number; instancePort: number }[];
};

/** The instances that match every filter that is set. */
export const filterInstances = <Instance extends FilterableInstance>({
  instances,
  filter,
}: {
  instances: readonly Instance[];
  filter: InstanceFilter;
}) => {
  const text = filter.text.trim().toLowerCase();
  const address = filter.address.trim();
  const isWholeAddress = /^\d+\.\d+\.\d+\.\d+$/.test(address);
  const port = filter.port.trim() === '' ? undefined : Number(filter.port.trim());
  return instances.filter(
    (instance) =>
      (!text ||
        instance.id.toLowerCase().includes(text) ||
        instance.ipAddr.includes(text) ||
        (instance.namespaceName ?? '').toLowerCase().includes(text)) &&
      (!filter.nodeId || instance.nodeId === filter.nodeId) &&
      (!address || (isWholeAddress ? instance.ipAddr === address : instance.ipAddr.startsWith(address))) &&
      (port === undefined ||
        instance.portMappings.some(
          (mapping) => mapping.hostPort === port || mapping.instancePort === port,
        )) &&
      (!filter.status || instance.status === filter.status),
  );
};
