export { isIpv4Address, isIpv4Cidr, parseHostCidr, toNetwork } from './addressing.js';
export { isNetcoreError, NetcoreError, type NetcoreErrorCode, netcoreErrorCodes } from './errors.js';
export { diffNode } from './inspect/diff-node.js';
export {
  type DriftFix,
  type DriftItem,
  driftOperations,
  type TDesiredNode,
  ZDesiredNode,
} from './inspect/drift.js';
export type { ActualInstance, ActualPeer, NodeSnapshot } from './inspect/node-snapshot.js';
export {
  type Orphan,
  type TKnownResources,
  ZCleanOrphansRequest,
  ZKnownResources,
} from './inspect/orphans.js';
export type { Command, CommandKind, CommandResult, CommandRunner } from './kernel/command.js';
export { formatCommand, toCommandLine } from './kernel/command.js';
export { createExecaRunner } from './kernel/runner.js';
export { getBridgeName, getVethName, routeProtocol } from './names.js';
export { createNetcore, type Netcore, type NetcoreOptions } from './netcore.js';
export * from './plain-functions.js';
export * from './schemas.js';
