import { toWebError } from '../errors/web-error.js';

/** The error codes of POST /api/join (see the join contract), with their HTTP status. */
export const joinErrorCodes = {
  INVALID_INPUT: 400,
  TOKEN_INVALID: 401,
  NODE_ID_TAKEN: 409,
  ADDRESS_TAKEN: 409,
  INTERNAL: 500,
} as const;

export type JoinErrorCode = keyof typeof joinErrorCodes;

/** The JSON body of a refused join: `{ error: { code, field, message } }`. */
export type JoinErrorBody = { error: { code: JoinErrorCode; field: string | undefined; message: string } };

/**
 * A failed join as the agent reads it: the one table from the control plane's errors to the join's codes.
 * Anything unexpected is INTERNAL, without details (they are logged).
 */
export const toJoinError = (error: unknown): { status: number; body: JoinErrorBody } => {
  const webError = toWebError(error);
  const code: JoinErrorCode =
    webError.code === 'INVALID_INPUT'
      ? 'INVALID_INPUT'
      : webError.code === 'UNAUTHORIZED'
        ? 'TOKEN_INVALID'
        : webError.code === 'CONFLICT'
          ? webError.field === 'nodeId'
            ? 'NODE_ID_TAKEN'
            : 'ADDRESS_TAKEN'
          : 'INTERNAL';
  const message =
    code === 'INTERNAL' ? 'the control plane could not register the node (see its log)' : webError.message;
  return { status: joinErrorCodes[code], body: { error: { code, field: webError.field, message } } };
};

type JoinEndpoints = {
  join: {
    enroll: (input: {
      request: unknown;
    }) => Promise<{ registered: Promise<unknown> } & Record<string, unknown>>;
    readCa: () => Promise<{ caCertificatePem: string }>;
  };
  logger: { error: (details: object, message: string) => void };
};

/** POST /api/join: the body is parsed by the service (one boundary); refusals get the join's codes. */
export const answerJoinRequest = async ({
  services,
  request,
}: {
  services: JoinEndpoints;
  request: Request;
}) => {
  const body: unknown = await request.json().catch(() => ({}));
  try {
    const { registered: _registered, ...answer } = await services.join.enroll({ request: body });
    return Response.json(answer);
  } catch (error) {
    const { status, body: refusal } = toJoinError(error);
    if (status >= 500) services.logger.error({ err: error }, 'join failed');
    return Response.json(refusal, { status });
  }
};

/** GET /api/join/ca: the cluster CA's certificate (public; the agent checks it against --ca-hash). */
export const answerCaRequest = async ({ services }: { services: JoinEndpoints }) =>
  Response.json({ caCertificatePem: (await services.join.readCa()).caCertificatePem });
