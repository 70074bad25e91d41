import { existsSync, statSync } from 'node:fs';
import { parseHostCidr } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import { netnsDirectory } from '../kernel/command.js';
import type { Host } from '../kernel/host.js';
import { mapWithLimit } from '../kernel/map-with-limit.js';
import { hasNamespace, listNamespaces, readInstanceAddress } from '../kernel/namespaces.js';
import { isInstanceNamespaceName } from '../names.js';

/**
 * Which instance holds which address on a node, so that two instances never share one (two ports of one
 * bridge answering for the same address). Kept in memory per host namespace and kept up to date by
 * setupInstance(s) and cleanInstance; before each check, the instance namespaces it has not seen yet
 * (made before this process started, or by another process: a script, a second netcore) are read from
 * the kernel, so the check costs a directory listing (or only a look at the directory's time, when it has
 * not changed since the last listing) and a map lookup. An address is reserved before the
 * first change to the kernel and in the same synchronous step as the check, so calls that race cannot
 * both take it.
 *
 * What the map says is confirmed against the kernel before a request is refused (the holder's namespace
 * must exist and hold the address): an instance removed behind netcore's back (cleanOrphans, a lab torn
 * down, `ip netns del` by hand) frees its address.
 */
type Registry = {
  /** Address (without prefix) -> namespace of the instance holding it. */
  holders: Map<string, string>;
  /** Namespace -> its address. */
  addresses: Map<string, string>;
  /** Namespace -> instance id, where a call named it (the namespace name alone cuts long ids). */
  instanceIds: Map<string, string>;
  /**
   * Instances in a runtime's namespace (keyed by the name their own namespace would have) -> that
   * namespace's path: they hold their address while the path exists.
   */
  externalPaths: Map<string, string>;
  /** Namespaces whose setup is under way: their address is held although the namespace may not exist yet. */
  pending: Map<string, number>;
  /** Instance namespaces already read (or made by this process) -> when; one without an address is read again later. */
  seen: Map<string, number>;
  /** The read of unseen namespaces under way: reads run one after another, so none misses another's. */
  refreshing: Promise<void> | undefined;
  /** The read that starts once the one under way has ended, shared by every call that arrives meanwhile. */
  queued: Promise<void> | undefined;
  /** The last listing of the namespace directory and the directory's change time it was taken at. */
  listing: { changedAtNs: bigint; names: string[] } | undefined;
};

/** How long an instance namespace that had no address yet (another process is setting it up) is left unread. */
const unaddressedRecheckMs = 1_000;

/**
 * A listing taken less than this after the directory's last change is not kept: the kernel stamps a
 * directory's time at a coarse tick (a few ms), so an entry made in the same tick just after the listing
 * could leave the time as it was.
 */
const racyListingNs = 50_000_000n;

/** At most this many instance namespaces are read at once when the map is first filled. */
const readParallelism = 8;

const registries = new Map<string, Registry>();

const getRegistry = (host: Host) => {
  const key = `${host.namespace ?? ''}\n${host.namespacePrefix}`;
  const registry = registries.get(key) ?? {
    holders: new Map(),
    addresses: new Map(),
    instanceIds: new Map(),
    externalPaths: new Map(),
    pending: new Map(),
    seen: new Map(),
    refreshing: undefined,
    queued: undefined,
    listing: undefined,
  };
  registries.set(key, registry);
  return registry;
};

const setAddress = ({
  registry,
  namespaceName,
  address,
}: {
  registry: Registry;
  namespaceName: string;
  address: string | undefined;
}) => {
  const previous = registry.addresses.get(namespaceName);
  if (previous !== undefined && registry.holders.get(previous) === namespaceName)
    registry.holders.delete(previous);
  if (address === undefined) {
    registry.addresses.delete(namespaceName);
    registry.instanceIds.delete(namespaceName);
    registry.externalPaths.delete(namespaceName);
    // A namespace of that name made again (by anyone) is read again.
    registry.seen.delete(namespaceName);
    return;
  }
  registry.seen.set(namespaceName, Number.POSITIVE_INFINITY);
  registry.addresses.set(namespaceName, address);
  registry.holders.set(address, namespaceName);
};

/** When the namespace directory last changed (an entry made or removed); undefined while it does not exist. */
const readDirectoryChangeTime = () => {
  try {
    return statSync(netnsDirectory, { bigint: true }).mtimeNs;
  } catch {
    return undefined;
  }
};

/**
 * Every named namespace, listed again only when the directory changed since the last listing: a setup in
 * a runtime's namespace makes no entry there, so a run of CNI ADDs costs one look at the directory's time
 * each (synchronous, a few µs) instead of a listing through Node's thread pool on its critical path.
 */
const listNamespacesIfChanged = async (registry: Registry) => {
  const lookedAtNs = BigInt(Date.now()) * 1_000_000n;
  const changedAtNs = readDirectoryChangeTime();
  if (changedAtNs !== undefined && registry.listing?.changedAtNs === changedAtNs)
    return registry.listing.names;
  const names = await listNamespaces();
  const isRacy = changedAtNs === undefined || lookedAtNs - changedAtNs < racyListingNs;
  registry.listing = isRacy ? undefined : { changedAtNs, names };
  return names;
};

/** Reads the instance namespaces of the host that the map has not seen yet (all of them, the first time). */
const readUnseenNamespaces = async ({ host, registry }: { host: Host; registry: Registry }) => {
  const now = Date.now();
  const unseen = (await listNamespacesIfChanged(registry)).filter(
    (name) =>
      isInstanceNamespaceName({ name, prefix: host.namespacePrefix }) &&
      !registry.pending.has(name) &&
      now - (registry.seen.get(name) ?? Number.NEGATIVE_INFINITY) >= unaddressedRecheckMs,
  );
  if (unseen.length === 0) return;
  const addresses = await mapWithLimit({
    items: unseen,
    limit: readParallelism,
    work: (namespaceName) => readInstanceAddress({ host, namespaceName }).catch(() => undefined),
  });
  unseen.forEach((namespaceName, index) => {
    const cidr = addresses[index];
    // A call that ran meanwhile knows better than this read.
    if (registry.addresses.has(namespaceName) || registry.pending.has(namespaceName)) return;
    if (cidr) setAddress({ registry, namespaceName, address: parseHostCidr(cidr).address });
    else registry.seen.set(namespaceName, now);
  });
};

/**
 * Brings the map up to date with the kernel's instance namespaces; one read at a time per host. A call
 * that arrives while a read runs joins the next one, which starts after every call that joined it (a burst
 * of setups shares a few directory listings instead of queuing one each).
 */
const refreshRegistry = ({ host, registry }: { host: Host; registry: Registry }) => {
  if (registry.queued) return registry.queued;
  const read = () => {
    registry.queued = undefined;
    return readUnseenNamespaces({ host, registry });
  };
  const refreshing = (registry.refreshing ?? Promise.resolve()).then(read, read);
  registry.queued = refreshing;
  registry.refreshing = refreshing.catch(() => undefined);
  return refreshing;
};

export type AddressClaim = {
  namespaceName: string;
  instanceId: string;
  instanceIpCidr: string;
  field: string;
  /** The runtime's namespace the instance lives in, when netcore did not make its own. */
  netnsPath?: string | undefined;
};

/** Whether the holder's namespace is there: its own by name, or a runtime's by path. */
const isHolderPresent = ({ registry, holder }: { registry: Registry; holder: string }) => {
  const path = registry.externalPaths.get(holder);
  return path === undefined ? hasNamespace(holder) : existsSync(path);
};

/** The first claim whose address another instance holds (per the map), or one claim earlier in the list. */
const findClash = ({ registry, claims }: { registry: Registry; claims: readonly AddressClaim[] }) => {
  const claimed = new Map<string, AddressClaim>();
  for (const claim of claims) {
    const address = parseHostCidr(claim.instanceIpCidr).address;
    const earlier = claimed.get(address);
    if (earlier) return { claim, address, holder: earlier.namespaceName, isConfirmed: true };
    claimed.set(address, claim);
    const holder = registry.holders.get(address);
    if (holder !== undefined && holder !== claim.namespaceName)
      return { claim, address, holder, isConfirmed: registry.pending.has(holder) };
  }
  return undefined;
};

/** Whether the kernel agrees that `holder` has `address`; corrects the map when it does not. */
const confirmHolder = async ({
  host,
  registry,
  holder,
  address,
}: {
  host: Host;
  registry: Registry;
  holder: string;
  address: string;
}) => {
  // A runtime's namespace is not read (the instance's interface there may have any name): present is enough.
  if (registry.externalPaths.has(holder) && isHolderPresent({ registry, holder })) return true;
  const cidr = hasNamespace(holder)
    ? await readInstanceAddress({ host, namespaceName: holder }).catch(() => undefined)
    : undefined;
  const actual = cidr === undefined ? undefined : parseHostCidr(cidr).address;
  // A setup of the holder may have started while the kernel was read: the map is then right as it is.
  if (registry.pending.has(holder) || actual === address) return true;
  if (registry.holders.get(address) === holder) registry.holders.delete(address);
  if (registry.addresses.get(holder) === address)
    setAddress({ registry, namespaceName: holder, address: actual });
  return false;
};

/**
 * Reserves each claim's address for its instance, all or none: a NetcoreError CONFLICT naming the claim's
 * field when another instance of the node holds the address (or an earlier claim of the same list takes
 * it). The same instance claiming its own address again is fine. Call `settle` once the setup has ended:
 * the instances then hold what they claimed (their earlier addresses are free), or, after a failure, what
 * their namespaces really have.
 */
export const reserveInstanceAddresses = async ({
  host,
  claims,
}: {
  host: Host;
  claims: readonly AddressClaim[];
}) => {
  const registry = getRegistry(host);
  await refreshRegistry({ host, registry });
  for (let clash = findClash({ registry, claims }); clash; clash = findClash({ registry, claims })) {
    const { claim, address, holder } = clash;
    if (clash.isConfirmed || (await confirmHolder({ host, registry, holder, address })))
      throw new NetcoreError({
        code: 'CONFLICT',
        field: claim.field,
        reason: `${address} is already the address of instance '${registry.instanceIds.get(holder) ?? holder}' on this node`,
      });
  }
  // From the check above to here nothing awaits: no other call can take these addresses in between.
  const previous = claims.map(({ namespaceName }) => registry.addresses.get(namespaceName));
  for (const { namespaceName, instanceId, instanceIpCidr, netnsPath } of claims) {
    if (netnsPath !== undefined) registry.externalPaths.set(namespaceName, netnsPath);
    registry.pending.set(namespaceName, (registry.pending.get(namespaceName) ?? 0) + 1);
    registry.instanceIds.set(namespaceName, instanceId);
    registry.holders.set(parseHostCidr(instanceIpCidr).address, namespaceName);
  }
  const release = () => {
    for (const { namespaceName } of claims) {
      const count = (registry.pending.get(namespaceName) ?? 1) - 1;
      if (count > 0) registry.pending.set(namespaceName, count);
      else registry.pending.delete(namespaceName);
    }
  };
  return {
    /** The setup succeeded: each instance holds the address it claimed. */
    commit: () => {
      release();
      for (const { namespaceName, instanceIpCidr } of claims)
        setAddress({ registry, namespaceName, address: parseHostCidr(instanceIpCidr).address });
    },
    /** The setup failed and rolled back: new instances hold nothing, existing ones what they had. */
    cancel: () => {
      release();
      claims.forEach(({ namespaceName, instanceIpCidr }, index) => {
        const address = parseHostCidr(instanceIpCidr).address;
        if (
          registry.holders.get(address) === namespaceName &&
          registry.pending.get(namespaceName) === undefined
        )
          registry.holders.delete(address);
        const before = previous[index];
        setAddress({
          registry,
          namespaceName,
          address: isHolderPresent({ registry, holder: namespaceName }) ? before : undefined,
        });
      });
    },
  };
};

/**
 * Frees the address of an instance whose namespace is gone (after cleanInstance); an instance in a
 * runtime's namespace (`isExternal`) frees it once its veth pair is gone, whatever became of the namespace.
 */
export const forgetInstanceAddress = ({
  host,
  namespaceName,
  isExternal = false,
}: {
  host: Host;
  namespaceName: string;
  isExternal?: boolean;
}) => {
  const registry = getRegistry(host);
  if (registry.pending.has(namespaceName)) return;
  if (!isExternal && !registry.externalPaths.has(namespaceName) && hasNamespace(namespaceName)) return;
  setAddress({ registry, namespaceName, address: undefined });
};
