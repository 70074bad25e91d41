import { ZSessionIdRequest } from '../../users/user-requests.js';
import { adminChange, adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** Signed-in browsers: one's own (and "sign out everywhere"), and every user's for an admin. */
export const sessionRouter = createRouter({
  listOwn: protectedProcedure.query(({ ctx }) => ctx.services.sessions.listOwn({ user: ctx.user })),
  endOwn: protectedProcedure.mutation(({ ctx }) => ctx.services.sessions.endOwn({ user: ctx.user })),
  list: adminProcedure.query(({ ctx }) => ctx.services.sessions.list({ currentId: ctx.user.sessionId })),
  end: adminChange({ schema: ZSessionIdRequest, pick: (services) => services.sessions.end }),
});
