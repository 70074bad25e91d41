import { comments } from '../names.js';
import type { TProtocol } from '../schemas.js';
import type { PortMapping } from './port-mapping-rules.js';

/**
 * The nftables port-mapping backend, as data: our table (`ip kudo`), its map of host ports
 * (`protocol . port : address . port`, each element tagged with its instance) and the two DNAT rules that
 * look packets up in it, from outside (prerouting) and from the node itself (output), for the node's own
 * addresses only, as the iptables hooks do. Masquerade (hairpin, loopback sources) and forwarding stay in
 * the node's iptables chains: they match conntrack's DNAT state, whoever did the DNAT.
 */
export const nftTable = { family: 'ip', name: 'kudo', map: 'hostports' } as const;

const tableRef = `${nftTable.family} ${nftTable.name}`;
const lookup = `fib daddr type local meta l4proto { tcp, udp } dnat ip to meta l4proto . th dport map @${nftTable.map}`;

/** Creates the table, map and chains when missing and rewrites the two rules; the map's elements are kept. */
export const renderNftTableScript = () =>
  [
    `add table ${tableRef} { comment "${comments.node('port mappings')}"; }`,
    `add map ${tableRef} ${nftTable.map} { type inet_proto . inet_service : ipv4_addr . inet_service; comment "${comments.node('host ports')}"; }`,
    `add chain ${tableRef} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add chain ${tableRef} output { type nat hook output priority -100; policy accept; }`,
    `flush chain ${tableRef} prerouting`,
    `flush chain ${tableRef} output`,
    `add rule ${tableRef} prerouting ${lookup} comment "${comments.node('port mappings')}"`,
    `add rule ${tableRef} output ${lookup} comment "${comments.node('port mappings')}"`,
    '',
  ].join('\n');

/** Deletes our table whether or not it exists (adding it first makes the delete always valid). */
export const renderNftDeleteTableScript = () => `add table ${tableRef}\ndelete table ${tableRef}\n`;

const renderElementKey = ({ protocol, hostPort }: Pick<PortMapping, 'protocol' | 'hostPort'>) =>
  `${protocol} . ${hostPort}`;

/** One transaction that removes `removed` and adds `added` (deletes first, so a changed target is re-added). */
export const renderNftElementsScript = ({
  removed,
  added,
}: {
  removed: readonly PortMapping[];
  added: readonly PortMapping[];
}) =>
  [
    ...(removed.length > 0
      ? [`delete element ${tableRef} ${nftTable.map} { ${removed.map(renderElementKey).join(', ')} }`]
      : []),
    ...(added.length > 0
      ? [
          `add element ${tableRef} ${nftTable.map} { ${added
            .map(
              (mapping) =>
                `${renderElementKey(mapping)} comment "${comments.instancePort(mapping.instanceId)}" : ${mapping.instanceAddr} . ${mapping.instancePort}`,
            )
            .join(', ')} }`,
        ]
      : []),
    '',
  ].join('\n');

type Json = unknown;
const asRecord = (value: Json) =>
  typeof value === 'object' && value !== null ? (value as Record<string, Json>) : {};

/** Reads the port mappings back from `nft -j list map ip kudo hostports`; elements not tagged by us are skipped. */
export const parseNftMapJson = (stdout: string): PortMapping[] => {
  const parsed = asRecord(JSON.parse(stdout));
  const items = Array.isArray(parsed.nftables) ? parsed.nftables : [];
  const map = items.map((item) => asRecord(asRecord(item).map)).find((each) => each.name === nftTable.map);
  const elements = Array.isArray(map?.elem) ? map.elem : [];
  return elements.flatMap((element): PortMapping[] => {
    if (!Array.isArray(element)) return [];
    const [key, value] = element;
    const keyElem = asRecord(asRecord(key).elem);
    const [protocol, hostPort] = (asRecord(keyElem.val).concat ?? []) as Json[];
    const [instanceAddr, instancePort] = (asRecord(value).concat ?? []) as Json[];
    const comment = typeof keyElem.comment === 'string' ? keyElem.comment : '';
    const instanceId = comment.startsWith(comments.instancePort(''))
      ? comment.slice(comments.instancePort('').length)
      : '';
    if (
      !instanceId ||
      (protocol !== 'tcp' && protocol !== 'udp') ||
      typeof hostPort !== 'number' ||
      typeof instanceAddr !== 'string' ||
      typeof instancePort !== 'number'
    )
      return [];
    return [{ instanceId, protocol: protocol as TProtocol, hostPort, instanceAddr, instancePort }];
  });
};
