import { answerJoinRequest } from '../../../server/join/join-http';
import { getServices } from '../../../server/runtime';

/**
 * A machine joins (`kudo-agent join`): `{ token, nodeId?, csrPem, agentUrl, externalIpAddr, agentVersion,
 * apiVersion }` -> `{ nodeId, certificatePem, caCertificatePem, notAfter }`. No session: the one-time join
 * token is the credential. The node's setup goes on after the answer (its agent starts serving then).
 */
export const POST = async (request: Request) => answerJoinRequest({ services: await getServices(), request });

export const dynamic = 'force-dynamic';
