import {
  ZChangeOwnPasswordRequest,
  ZChangeRoleRequest,
  ZInviteUserRequest,
  ZSetDisabledRequest,
} from '../../users/user-requests.js';
import { adminChange, adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** The dashboard's users (admins manage them) and one's own account. */
export const userRouter = createRouter({
  /** Who is signed in (any role): what the dashboard shows and hides by. */
  me: protectedProcedure.query(({ ctx }) => ({
    name: ctx.user.name,
    role: ctx.user.role,
    via: ctx.user.via,
  })),
  list: adminProcedure.query(({ ctx }) => ctx.services.users.list()),
  invite: adminChange({ schema: ZInviteUserRequest, pick: (services) => services.users.invite }),
  changeRole: adminChange({ schema: ZChangeRoleRequest, pick: (services) => services.users.changeRole }),
  setDisabled: adminChange({ schema: ZSetDisabledRequest, pick: (services) => services.users.setDisabled }),
  changeOwnPassword: protectedProcedure
    .input(ZChangeOwnPasswordRequest)
    .mutation(({ ctx, input }) => ctx.services.users.changeOwnPassword({ user: ctx.user, request: input })),
});
