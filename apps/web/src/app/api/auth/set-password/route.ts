import { handleAuthRequest } from '../../../../server/auth/auth-route';
import { getServices } from '../../../../server/runtime';
import { ZAcceptInviteRequest } from '../../../../server/users/user-requests';

/** Sets an invited user's password with the link's token (`{ token, password }`); the link then stops working. */
export const POST = async (request: Request) =>
  handleAuthRequest({
    request,
    schema: ZAcceptInviteRequest,
    work: async (input) => (await getServices()).users.acceptInvite({ request: input }),
  });

export const dynamic = 'force-dynamic';
