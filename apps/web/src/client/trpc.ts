import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../server/trpc/root';

/** The dashboard's typed tRPC hooks (`useTRPC().node.list.queryOptions()`); only the router's type is imported. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

export type NodeSummary = RouterOutputs['node']['list'][number];
export type NodeDetail = RouterOutputs['node']['get'];
export type InstanceView = RouterOutputs['instance']['list'][number];
export type PortMappingView = RouterOutputs['portMapping']['list'][number];
export type Inspection = RouterOutputs['inspection']['inspect'];
export type DriftItemView = Inspection['items'][number];
export type OrphanView = RouterOutputs['inspection']['orphans']['orphans'][number];
export type AuditEntryView = RouterOutputs['event']['list']['entries'][number];
/** One operation of the live operation stream (an agent's mutation, or a control-plane change). */
export type OperationView = (RouterOutputs['event']['operations'] extends AsyncIterable<infer Item>
  ? Item
  : never)['data'];
export type PortInput = RouterInputs['portMapping']['set']['ports'][number];
