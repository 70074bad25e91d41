import { answerCaRequest } from '../../../../server/join/join-http';
import { getServices } from '../../../../server/runtime';

/**
 * The cluster CA's certificate, for a joining agent (no session: it is public). The agent trusts it only if
 * its SHA-256 equals the `--ca-hash` the admin gave it, so a man in the middle cannot substitute his own.
 */
export const GET = async () => answerCaRequest({ services: await getServices() });

export const dynamic = 'force-dynamic';
