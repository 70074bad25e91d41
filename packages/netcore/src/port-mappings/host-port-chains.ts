import { getRuleOption, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments, getVethName, namePrefix } from '../names.js';

/**
 * Where an instance's DNAT rules live with the iptables backend: one of 64 bucket chains
 * (`KUDO-HOSTPORTS-00` ... `KUDO-HOSTPORTS-3f`), chosen by a hash of the instance id, each reached by one
 * jump from `KUDO-HOSTPORTS`. setupNode makes the buckets and jumps ready, so that setting up an instance
 * changes no rule but its own; they are part of the port mappings of the instances in them, not node
 * rules: a mapping whose bucket lost its jump is reported missing (drift of that instance's mappings), and
 * every change of an instance with mappings makes its bucket (`-N`) and jump again when missing. An
 * emptied bucket stays until cleanNode. iptables-nft reads the whole chain to delete a rule, and the
 * kernel rebuilds a chain's rule array on every change, so with one chain for the node a removal grew
 * with every mapping of the node (20 ms on an empty node, 28 ms beside 1,000, 231 ms beside 20,000); a
 * bucket holds about a 64th of them, and the mappings of one instance stay together in one. A packet to
 * a host port passes the 64 jumps on top of the DNAT rules (only a connection's first packet reaches the
 * nat table).
 */
export const hostPortBucketCount = 64;

const bucketPattern = new RegExp(`^${chains.hostPorts}-[0-9a-f]{2}$`);

/** The name of bucket `index` (0 <= index < hostPortBucketCount). */
const formatBucketChain = (index: number) => `${chains.hostPorts}-${index.toString(16).padStart(2, '0')}`;

/** Every bucket chain, in order. */
export const hostPortBucketChains: readonly string[] = Array.from(
  { length: hostPortBucketCount },
  (_, index) => formatBucketChain(index),
);

/** The bucket of an instance: the first two hex digits of its veth name's hash (already sha-256 of its id). */
export const getHostPortBucketChain = (instanceId: string) =>
  formatBucketChain(
    Number.parseInt(getVethName(instanceId).slice(namePrefix.length + 1, namePrefix.length + 3), 16) %
      hostPortBucketCount,
  );

/**
 * Whether a nat chain holds port mappings: a bucket, or `KUDO-HOSTPORTS` itself (where a node set up
 * before the buckets, or one whose buckets are missing, keeps them).
 */
export const isHostPortChain = (chain: string) => chain === chains.hostPorts || bucketPattern.test(chain);

/** The jump from `KUDO-HOSTPORTS` into a bucket, tagged like the node's other rules. */
export const renderBucketJump = (bucket: string) => [
  '-m',
  'comment',
  '--comment',
  comments.node(`port mappings ${bucket}`),
  '-j',
  bucket,
];

/** Whether `chain` is one of the buckets (its length and prefix first: asked of many rules). */
const isBucketChain = (chain: string) =>
  chain.length === chains.hostPorts.length + 3 &&
  chain.startsWith(chains.hostPorts) &&
  bucketPattern.test(chain);

const jumpsByTables = new WeakMap<SavedTables, Set<string>>();

/**
 * The buckets `KUDO-HOSTPORTS` jumps to (whatever the jump's comment): found once per tables object, in
 * one pass over the rules.
 */
export const listReachableBuckets = (saved: SavedTables): ReadonlySet<string> => {
  const known = jumpsByTables.get(saved);
  if (known) return known;
  const reached = new Set<string>();
  for (const { table, chain, rule } of saved.rules) {
    if (table !== 'nat' || chain !== chains.hostPorts) continue;
    const target = getRuleOption(rule, '-j');
    if (target !== undefined && isBucketChain(target)) reached.add(target);
  }
  jumpsByTables.set(saved, reached);
  return reached;
};

/** Whether a mapping's rule in `chain` is reached by packets: in `KUDO-HOSTPORTS`, or in a bucket it jumps to. */
export const isReachableHostPortChain = ({ saved, chain }: { saved: SavedTables; chain: string }) =>
  chain === chains.hostPorts || listReachableBuckets(saved).has(chain);
