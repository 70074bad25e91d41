import { TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { NetcoreErrorData } from './error-mapping.js';
import type { AgentRouter } from './router.js';

export type { NetcoreErrorData };

/**
 * Why a call got no answer from netcore, whatever the operation: nothing answered (`unreachable`), not in
 * time (`timeout`), the agent refused the token (`unauthorised`), or what answered does not speak this
 * client's contract (`incompatible`: no such procedure, not a tRPC answer, another version of the agent).
 */
export const agentTransportErrorKinds = ['unreachable', 'timeout', 'unauthorised', 'incompatible'] as const;

export type AgentTransportErrorKind = (typeof agentTransportErrorKinds)[number];

/** Registered symbols mark our errors across copies of this module (bundlers may load it twice). */
const transportBrand = Symbol.for('kudo.AgentTransportError');
const remoteBrand = Symbol.for('kudo.AgentRemoteError');

/** A call to an agent that did not get through: its kind and a human reason; the client's error as `cause`. */
export class AgentTransportError extends Error {
  override readonly name = 'AgentTransportError';
  readonly [transportBrand] = true;
  readonly kind: AgentTransportErrorKind;
  readonly url: string | undefined;

  constructor({
    kind,
    reason,
    url,
    cause,
  }: {
    kind: AgentTransportErrorKind;
    reason: string;
    url?: string;
    cause?: unknown;
  }) {
    super(reason, { cause });
    this.kind = kind;
    this.url = url;
  }
}

/**
 * A call the agent answered with a failure: `netcore` is what netcore said (code, field of the agent's
 * request, reason), undefined when the agent failed on its own (an internal error); `trpcCode` is how the
 * agent classed it over HTTP.
 */
export class AgentRemoteError extends Error {
  override readonly name = 'AgentRemoteError';
  readonly [remoteBrand] = true;
  readonly netcore: NetcoreErrorData | undefined;
  readonly trpcCode: TRPC_ERROR_CODE_KEY;

  constructor({
    netcore,
    trpcCode,
    message,
    cause,
  }: {
    netcore: NetcoreErrorData | undefined;
    trpcCode: TRPC_ERROR_CODE_KEY;
    message: string;
    cause?: unknown;
  }) {
    super(message, { cause });
    this.netcore = netcore;
    this.trpcCode = trpcCode;
  }
}

/** What a failed call to an agent is: not through (transport), or answered with a failure (remote). */
export type AgentCallError = AgentTransportError | AgentRemoteError;

const isBranded = (error: unknown, brand: symbol) =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;

export const isAgentTransportError = (error: unknown): error is AgentTransportError =>
  isBranded(error, transportBrand);

export const isAgentRemoteError = (error: unknown): error is AgentRemoteError =>
  isBranded(error, remoteBrand);

export const isAgentClientError = (error: unknown): error is TRPCClientError<AgentRouter> =>
  error instanceof TRPCClientError;

/** tRPC refusals that say the request did not fit the agent's contract, not that netcore failed. */
const incompatibleCodes = new Set<TRPC_ERROR_CODE_KEY>([
  'PARSE_ERROR',
  'BAD_REQUEST',
  'NOT_FOUND',
  'METHOD_NOT_SUPPORTED',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_IMPLEMENTED',
]);

/** The HTTP status behind an answer that carries no tRPC data (an event stream's refused connection). */
const readHttpStatus = (error: TRPCClientError<AgentRouter>) => {
  const status = (error.meta?.response as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return status;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

const where = (url: string | undefined) => (url ? `the agent at ${url}` : 'the agent');

/**
 * Reads a failed call to an agent, once, as what it is: an AgentRemoteError carrying netcore's error data
 * when the agent answered with one, an AgentTransportError otherwise. `isTimedOut` says the caller gave up
 * waiting (its signal aborted). An AgentCallError passes through unchanged.
 */
export const readAgentCallError = ({
  error,
  url,
  operation,
  isTimedOut = false,
}: {
  error: unknown;
  url?: string;
  /** The procedure called, named in the reason of a time-out. */
  operation?: string;
  isTimedOut?: boolean;
}): AgentCallError => {
  if (isAgentTransportError(error) || isAgentRemoteError(error)) return error;
  if (isTimedOut)
    return new AgentTransportError({
      kind: 'timeout',
      reason: `${where(url)} did not answer ${operation ?? 'the call'} in time`,
      url,
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  if (!isAgentClientError(error))
    return new AgentTransportError({
      kind: 'unreachable',
      reason: `no answer from ${where(url)}: ${message}`,
      url,
      cause: error,
    });
  const data = error.data;
  if (data?.netcore)
    return new AgentRemoteError({ netcore: data.netcore, trpcCode: data.code, message, cause: error });
  const status = data?.httpStatus ?? readHttpStatus(error);
  if (data?.code === 'UNAUTHORIZED' || data?.code === 'FORBIDDEN' || status === 401 || status === 403)
    return new AgentTransportError({
      kind: 'unauthorised',
      reason: `${where(url)} refused the token`,
      url,
      cause: error,
    });
  if (data?.code && incompatibleCodes.has(data.code))
    return new AgentTransportError({
      kind: 'incompatible',
      reason: `${where(url)} does not take this call (${data.code}: ${message}); is it another version?`,
      url,
      cause: error,
    });
  if (data?.code)
    return new AgentRemoteError({ netcore: undefined, trpcCode: data.code, message, cause: error });
  // An answer that is not tRPC's JSON: something else listens there.
  if (error.cause instanceof SyntaxError)
    return new AgentTransportError({
      kind: 'incompatible',
      reason: `what answers at ${url ?? 'this address'} is not a Kudo agent: ${message}`,
      url,
      cause: error,
    });
  return new AgentTransportError({
    kind: 'unreachable',
    reason: `no answer from ${where(url)}: ${message}`,
    url,
    cause: error,
  });
};

/** How `toAgentErrorData` names each transport kind in its one flat `code`. */
export const agentTransportCodes = {
  unreachable: 'UNREACHABLE',
  timeout: 'TIMEOUT',
  unauthorised: 'UNAUTHORIZED',
  incompatible: 'INCOMPATIBLE',
} as const satisfies Record<AgentTransportErrorKind, string>;

/**
 * A failed call in one flat shape, for a script's or a log's one line: netcore's code, field and reason
 * when the agent answered with them; the transport kind as a code otherwise (`UNREACHABLE`, `TIMEOUT`,
 * `UNAUTHORIZED`, `INCOMPATIBLE`); the agent's tRPC code for its own failures. Code that decides something
 * reads `readAgentCallError` instead, which keeps the two kinds apart.
 */
export type AgentErrorData = {
  code:
    | NetcoreErrorData['code']
    | (typeof agentTransportCodes)[AgentTransportErrorKind]
    | TRPC_ERROR_CODE_KEY;
  field: string | undefined;
  reason: string;
};

export const toAgentErrorData = (error: unknown): AgentErrorData => {
  const read = readAgentCallError({ error });
  if (isAgentTransportError(read))
    return { code: agentTransportCodes[read.kind], field: undefined, reason: read.message };
  return read.netcore ?? { code: read.trpcCode, field: undefined, reason: read.message };
};
