'use client';

import { isIpv4Cidr, toNetwork } from '@kudo/netcore/addressing';
import { formatPort, type PortView } from '../../client/format';
import type { Inspection } from '../../client/trpc';
import { Card } from '../ui/card';
import { EmptyRow, TableHead } from '../ui/plain-table';

const describePorts = (ports: readonly PortView[] | undefined) =>
  ports && ports.length > 0 ? ports.map(formatPort).join(', ') : 'none';

const samePorts = (a: readonly PortView[] | undefined, b: readonly PortView[] | undefined) =>
  describePorts([...(a ?? [])].sort((x, y) => x.hostPort - y.hostPort)) ===
  describePorts([...(b ?? [])].sort((x, y) => x.hostPort - y.hostPort));

const Check = ({ isOk, children }: { isOk: boolean; children: React.ReactNode }) => (
  <span className={isOk ? 'ok-text' : 'bad-text'}>
    {isOk ? '✓' : '✗'} {children}
  </span>
);

/** The node as the database wants it beside what its kernel has right now, as read by its agent. */
export const KernelStatePanel = ({ inspection }: { inspection: Inspection | undefined }) => {
  if (!inspection) return null;
  const { desired, actual } = inspection;
  const actualById = new Map(actual.instances.map((instance) => [instance.instanceId, instance]));
  const desiredIds = new Set((desired.instances ?? []).map((instance) => instance.instanceId));
  const strayInstances = actual.instances.filter((instance) => !desiredIds.has(instance.instanceId));
  const actualPeers = new Map(actual.peers.map((peer) => [peer.nodeId, peer]));
  return (
    <Card
      title="Kernel state"
      description="Desired (database) beside actual (read live from the node's kernel by its agent)"
      isFlush
      testId="kernel-state"
    >
      <div className="compare">
        <div>
          <h3>Desired</h3>
          <dl className="kv">
            <dt>Bridge address</dt>
            <dd className="mono">{desired.nodeIpCidr}</dd>
            <dt>Forwarding</dt>
            <dd>on</dd>
          </dl>
        </div>
        <div>
          <h3>Actual</h3>
          <dl className="kv">
            <dt>Bridge</dt>
            <dd className="mono">
              {actual.bridge ? (
                <Check isOk={actual.bridge.isUp && actual.bridge.addresses.includes(desired.nodeIpCidr)}>
                  {actual.bridge.name} {actual.bridge.addresses.join(', ') || 'no address'}
                  {actual.bridge.isUp ? '' : ' (down)'}
                </Check>
              ) : (
                <Check isOk={false}>missing</Check>
              )}
            </dd>
            <dt>Forwarding</dt>
            <dd>
              <Check isOk={actual.forwarding}>{actual.forwarding ? 'on' : 'off'}</Check>
            </dd>
            <dt>Rules</dt>
            <dd>
              {actual.chains.length} chains, {actual.rules.length} rules
            </dd>
          </dl>
        </div>
      </div>
      <div className="table-wrap" style={{ borderTop: '1px solid var(--border)' }}>
        <table className="table">
          <TableHead
            columns={[
              'Instance',
              'Desired address',
              'Actual address',
              'Namespace · veth',
              'Desired ports',
              'Actual ports',
            ]}
          />
          <tbody>
            {(desired.instances ?? []).map((instance) => {
              const seen = actualById.get(instance.instanceId);
              return (
                <tr key={instance.instanceId}>
                  <td className="cell-title">{instance.instanceId}</td>
                  <td className="mono">{instance.instanceIpCidr}</td>
                  <td className="mono">
                    <Check isOk={seen?.instanceIpCidr === instance.instanceIpCidr}>
                      {seen?.instanceIpCidr ?? 'none'}
                    </Check>
                  </td>
                  <td>
                    <Check isOk={Boolean(seen?.hasNamespace)}>namespace</Check>{' '}
                    <Check isOk={Boolean(seen?.veth?.isUp && seen.veth.master)}>
                      {seen?.veth ? `${seen.veth.name}${seen.veth.isUp ? '' : ' (down)'}` : 'veth missing'}
                    </Check>
                  </td>
                  <td className="mono">{describePorts(instance.ports)}</td>
                  <td className="mono">
                    <Check isOk={samePorts(instance.ports, seen?.portMappings)}>
                      {describePorts(seen?.portMappings)}
                    </Check>
                  </td>
                </tr>
              );
            })}
            {strayInstances.map((instance) => (
              <tr key={`stray:${instance.instanceId}`}>
                <td className="cell-title">{instance.instanceId}</td>
                <td className="muted">not wanted</td>
                <td className="mono bad-text">{instance.instanceIpCidr ?? '—'}</td>
                <td className="bad-text">{instance.veth?.name ?? instance.namespaceName}</td>
                <td className="muted">—</td>
                <td className="mono bad-text">{describePorts(instance.portMappings)}</td>
              </tr>
            ))}
            {(desired.instances ?? []).length === 0 && strayInstances.length === 0 ? (
              <EmptyRow columnCount={6}>No instances on this node.</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className="table-wrap" style={{ borderTop: '1px solid var(--border)' }}>
        <table className="table">
          <TableHead columns={['Route to node', 'Desired', 'Route', 'Rules']} />
          <tbody>
            {(desired.peers ?? []).map((peer) => {
              const seen = actualPeers.get(peer.nodeId);
              return (
                <tr key={peer.nodeId}>
                  <td className="cell-title">{peer.nodeId}</td>
                  <td className="mono">
                    {isIpv4Cidr(peer.nodeIp.clusterIpCidr)
                      ? toNetwork(peer.nodeIp.clusterIpCidr)
                      : peer.nodeIp.clusterIpCidr}{' '}
                    via {peer.nodeIp.externalIpAddr}
                  </td>
                  <td className="mono">
                    <Check isOk={Boolean(seen?.hasRoute)}>
                      {seen?.hasRoute ? `${seen.subnet} via ${seen.gateway ?? '?'}` : 'missing'}
                    </Check>
                  </td>
                  <td>
                    <Check isOk={Boolean(seen?.hasRules)}>{seen?.hasRules ? 'present' : 'missing'}</Check>
                  </td>
                </tr>
              );
            })}
            {(desired.peers ?? []).length === 0 ? (
              <EmptyRow columnCount={4}>No other nodes in the cluster.</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
};
