import { clusterRouter } from './routers/cluster.js';
import { eventRouter } from './routers/event.js';
import { inspectionRouter } from './routers/inspection.js';
import { instanceRouter } from './routers/instance.js';
import { joinTokenRouter } from './routers/join-token.js';
import { metricsRouter } from './routers/metrics.js';
import { nodeRouter } from './routers/node.js';
import { nodeCredentialsRouter } from './routers/node-credentials.js';
import { portMappingRouter } from './routers/port-mapping.js';
import { searchRouter } from './routers/search.js';
import { sessionRouter } from './routers/session.js';
import { tokenRouter } from './routers/token.js';
import { userRouter } from './routers/user.js';
import { createCallerFactory, createRouter } from './trpc.js';

/** The web app's API: one router per domain. The dashboard imports `AppRouter` (a type only). */
export const appRouter = createRouter({
  cluster: clusterRouter,
  node: nodeRouter,
  instance: instanceRouter,
  portMapping: portMappingRouter,
  inspection: inspectionRouter,
  event: eventRouter,
  joinToken: joinTokenRouter,
  nodeCredentials: nodeCredentialsRouter,
  search: searchRouter,
  token: tokenRouter,
  user: userRouter,
  session: sessionRouter,
  metrics: metricsRouter,
});

export type AppRouter = typeof appRouter;

/** Calls the router without HTTP: `createCaller(createInnerContext({ services, user }))`. */
export const createCaller = createCallerFactory(appRouter);
