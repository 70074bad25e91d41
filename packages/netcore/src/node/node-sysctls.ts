/** Kernel settings a node needs, set in the host namespace only (never anywhere else). */
export const renderNodeSysctls = ({ bridgeName }: { bridgeName: string }) => ({
  'net.ipv4.ip_forward': '1',
  // Port mappings reached on 127.0.0.1 are DNATed to an instance: the bridge must accept loopback sources.
  [`net.ipv4.conf.${bridgeName}.route_localnet`]: '1',
});

export const forwardingSysctl = 'net.ipv4.ip_forward';
