import { ZNodeRequest } from '@kudo/netcore';
import { z } from 'zod';
import { createRouter } from '../trpc.js';
import { netcoreMutation } from './netcore-mutation.js';

/** The other nodes of the cluster: routes to their instance networks and the rules that let them in. */
export const clusterRouter = createRouter({
  /** Input: the list of other nodes, as netcore's addOtherNodes takes it. */
  addOtherNodes: netcoreMutation({ operation: 'addOtherNodes', schema: z.array(ZNodeRequest) }),
  newNodeInCluster: netcoreMutation({ operation: 'newNodeInCluster', schema: ZNodeRequest }),
  deleteNodeInCluster: netcoreMutation({ operation: 'deleteNodeInCluster', schema: ZNodeRequest }),
});
