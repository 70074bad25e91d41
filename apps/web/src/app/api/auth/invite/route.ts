import { handleAuthRequest } from '../../../../server/auth/auth-route';
import { getServices } from '../../../../server/runtime';
import { ZReadInviteRequest } from '../../../../server/users/user-requests';

/** Who a set-password link is for (`{ token }`, JSON POST so the token is in no URL): `{ name, expiresAt }`. */
export const POST = async (request: Request) =>
  handleAuthRequest({
    request,
    schema: ZReadInviteRequest,
    work: async ({ token }) => (await getServices()).users.readInvite({ token }),
  });

export const dynamic = 'force-dynamic';
