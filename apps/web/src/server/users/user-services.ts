import type { Actor } from '../audit/audit-log.js';
import type { ContextUser } from '../auth/context-user.js';
import type { ServiceDeps } from '../deps.js';
import { acceptInvite, inviteUser, readInvite } from './invites.js';
import { changeUserRole, listUsers, setUserDisabled } from './manage-users.js';
import { changeOwnPassword } from './own-account.js';
import type {
  TAcceptInviteRequest,
  TChangeOwnPasswordRequest,
  TChangeRoleRequest,
  TInviteUserRequest,
  TSetDisabledRequest,
} from './user-requests.js';

type Change<Request> = { actor: Actor; request: Request };

/** The dashboard's users: an admin lists, invites, changes roles and disables; everyone changes their password. */
export const createUserServices = (deps: ServiceDeps) => ({
  list: () => listUsers({ deps }),
  invite: ({ actor, request }: Change<TInviteUserRequest>) => inviteUser({ deps, actor, request }),
  /** Who a set-password link is for (unauthenticated: the link's token is the credential). */
  readInvite: ({ token }: { token: string }) => readInvite({ deps, token }),
  acceptInvite: ({ request }: { request: TAcceptInviteRequest }) => acceptInvite({ deps, request }),
  changeRole: ({ actor, request }: Change<TChangeRoleRequest>) => changeUserRole({ deps, actor, request }),
  setDisabled: ({ actor, request }: Change<TSetDisabledRequest>) => setUserDisabled({ deps, actor, request }),
  changeOwnPassword: ({ user, request }: { user: ContextUser; request: TChangeOwnPasswordRequest }) =>
    changeOwnPassword({ deps, user, request }),
});
