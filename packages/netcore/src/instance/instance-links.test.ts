import { expect, it } from 'vitest';
import {
  canSilenceIpv6,
  renderInstanceSideLines,
  renderNeighbourFlushLines,
  renderVethAttachLines,
} from './instance-links.js';

const indexOf = (lines: readonly (readonly string[])[], text: string) =>
  lines.findIndex((line) => line.join(' ') === text);

it('makes a new pair silent on IPv6 before either end comes up', () => {
  const inside = renderInstanceSideLines({
    instanceIpCidr: '10.0.0.2/24',
    nodeIpAddr: '10.0.0.1',
    veth: { vethName: 'kudo1', mtu: 1500, nodeNamespaceRef: 'node1', isIpv6Silent: true },
  });
  expect(indexOf(inside, 'link set dev eth0 addrgenmode none')).toBeGreaterThan(0);
  expect(indexOf(inside, 'link set dev eth0 addrgenmode none')).toBeLessThan(
    indexOf(inside, 'link set eth0 up'),
  );
  const outside = renderVethAttachLines({
    vethName: 'kudo1',
    bridgeName: 'kudobr0',
    instanceId: 'web-1',
    isIsolated: false,
    isNew: true,
    isIpv6Silent: true,
  });
  expect(outside[0]).toEqual(['link', 'set', 'dev', 'kudo1', 'addrgenmode', 'none']);
  expect(outside[1]).toContain('master');
});

it('leaves IPv6 alone when it cannot or need not be silenced', () => {
  const inside = renderInstanceSideLines({
    instanceIpCidr: '10.0.0.2/24',
    nodeIpAddr: '10.0.0.1',
    veth: { vethName: 'kudo1', mtu: 1500, nodeNamespaceRef: 'node1', isIpv6Silent: false },
  });
  expect(inside.flat()).not.toContain('addrgenmode');
  const repaired = renderVethAttachLines({
    vethName: 'kudo1',
    bridgeName: 'kudobr0',
    instanceId: 'web-1',
    isIsolated: false,
    isNew: false,
    isIpv6Silent: true,
  });
  expect(repaired.flat()).not.toContain('addrgenmode');
  expect(canSilenceIpv6({ hasIpv6: true, mtu: 1500 })).toBe(true);
  expect(canSilenceIpv6({ hasIpv6: false, mtu: 1500 })).toBe(false);
  expect(canSilenceIpv6({ hasIpv6: true, mtu: 1279 })).toBe(false);
});

it('forgets the neighbour entry of the address with one change that cannot fail for want of an entry', () => {
  // No `neigh del`: when it fails (the kernel collected the entry first), `ip` ends the whole batch.
  expect(renderNeighbourFlushLines({ bridgeName: 'kudobr0', instanceIpCidr: '10.0.0.2/24' })).toEqual([
    ['neigh', 'replace', '10.0.0.2', 'dev', 'kudobr0', 'nud', 'failed'],
  ]);
});
