import {
  type AgentTransportErrorKind,
  isAgentRemoteError,
  isAgentTransportError,
  type NetcoreErrorData,
} from '@kudo/agent/client';
import { isNetcoreError, type NetcoreErrorCode } from '@kudo/netcore';
import { toWebField, toWebTransportField, type WebRequestKind } from './agent-fields.js';
import type { WebErrorCode } from './web-error-codes.js';

export { type WebErrorCode, webErrorCodes } from './web-error-codes.js';

export type WebErrorOptions = {
  code: WebErrorCode;
  message: string;
  /** The field of the web request to highlight. */
  field?: string;
  /** The node whose agent failed, when an agent failed. */
  nodeId?: string;
  /** netcore's code, when the agent answered with netcore's refusal or failure. */
  agentCode?: NetcoreErrorCode;
  /** Why the call did not get through, when it did not. */
  transport?: AgentTransportErrorKind;
  cause?: unknown;
};

/**
 * Marks a WebError across copies of this module: Next.js bundles the server once for instrumentation (which
 * builds the services) and once per route, so `instanceof` fails between them; a registered symbol does not.
 */
const webErrorBrand = Symbol.for('kudo.WebError');

/** The one error type of the control plane: a code, the offending field (if any), a human message. */
export class WebError extends Error {
  override readonly name = 'WebError';
  readonly [webErrorBrand] = true;
  readonly code: WebErrorCode;
  readonly field: string | undefined;
  readonly nodeId: string | undefined;
  readonly agentCode: NetcoreErrorCode | undefined;
  readonly transport: AgentTransportErrorKind | undefined;

  constructor({ code, message, field, nodeId, agentCode, transport, cause }: WebErrorOptions) {
    super(message, { cause });
    this.code = code;
    this.field = field;
    this.nodeId = nodeId;
    this.agentCode = agentCode;
    this.transport = transport;
  }

  toJSON() {
    return { code: this.code, field: this.field, message: this.message, nodeId: this.nodeId };
  }
}

export const isWebError = (error: unknown): error is WebError =>
  typeof error === 'object' &&
  error !== null &&
  (error as { [webErrorBrand]?: unknown })[webErrorBrand] === true;

/** netcore's codes, as the agent answered them: the caller's input (refusals) or the node's failure. */
const webCodeByNetcoreCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  CONFLICT: 'CONFLICT',
  NOT_FOUND: 'AGENT_FAILED',
  // netcore could not reach an address it was given (another node's): the agent itself answered.
  UNREACHABLE: 'AGENT_FAILED',
  // The agent gave up on its own time-out: it did not answer with a result in time.
  TIMEOUT: 'AGENT_UNREACHABLE',
  // netcore lacks a privilege on the node (not our token: that is the transport's `unauthorised`).
  PERMISSION_DENIED: 'AGENT_FAILED',
  MISSING_DEPENDENCY: 'AGENT_FAILED',
  COMMAND_FAILED: 'AGENT_FAILED',
} as const satisfies Record<NetcoreErrorCode, WebErrorCode>;

/** Calls that did not get through, by why. */
const webCodeByTransportKind = {
  unreachable: 'AGENT_UNREACHABLE',
  timeout: 'AGENT_UNREACHABLE',
  unauthorised: 'AGENT_UNAUTHORIZED',
  incompatible: 'AGENT_INCOMPATIBLE',
} as const satisfies Record<AgentTransportErrorKind, WebErrorCode>;

/** Agent failures that leave the node unchanged: the agent refused the request (netcore rolls back). */
export const isRefusal = (code: NetcoreErrorCode) =>
  code === 'INVALID_INPUT' || code === 'CONFLICT' || code === 'NOT_FOUND' || code === 'MISSING_DEPENDENCY';

/** Short text of any failure, for status reasons and the audit log. */
export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

export type AgentFailureContext = {
  /** The node whose agent was called (none yet for a new agent's health check). */
  nodeId?: string;
  /** The agent operation that failed, or what the control plane was doing. */
  operation?: string;
  /** The web procedure that caused the call: its field map translates netcore's field into its own. */
  request?: WebRequestKind;
  /** What follows from the failure, said after it (e.g. what was kept). */
  consequence?: string;
};

/** netcore's data of a failed agent call: what the agent answered, or an in-process NetcoreError. */
const readNetcoreData = (error: unknown): NetcoreErrorData | undefined => {
  if (isAgentRemoteError(error)) return error.netcore;
  if (isNetcoreError(error)) return { code: error.code, field: error.field, reason: error.reason };
  return undefined;
};

/** Whether an agent refused the request (netcore rolled back, the node is unchanged). */
export const isAgentRefusal = (error: unknown) => {
  const code = readNetcoreData(error)?.code;
  return code !== undefined && isRefusal(code);
};

/**
 * Any failure as a WebError: the one mapping from the agent's client (and netcore) to the control plane.
 * A call that did not get through keeps its kind as `transport`; netcore's answer keeps its code as
 * `agentCode`, and its field becomes the web request's field through the field map (`request`). The
 * message names the operation and the node.
 */
export const toWebError = (
  error: unknown,
  { nodeId, operation, request, consequence }: AgentFailureContext = {},
): WebError => {
  if (isWebError(error)) return error;
  const where = [operation, nodeId && `on node ${nodeId}`].filter(Boolean).join(' ');
  const describe = (message: string) =>
    [where ? `${where} failed: ${message}` : message, consequence].filter(Boolean).join(' ');
  if (isAgentTransportError(error)) {
    const named = toWebTransportField({ request, kind: error.kind });
    return new WebError({
      code: named?.code ?? webCodeByTransportKind[error.kind],
      field: named?.field,
      message: describe(error.message),
      nodeId,
      transport: error.kind,
      cause: error,
    });
  }
  if (isAgentRemoteError(error) || isNetcoreError(error)) {
    const netcore = readNetcoreData(error);
    return new WebError({
      code: netcore ? webCodeByNetcoreCode[netcore.code] : 'AGENT_FAILED',
      field: toWebField({ request, operation, field: netcore?.field }),
      message: describe(error.message),
      nodeId,
      agentCode: netcore?.code,
      cause: error,
    });
  }
  // Not the raw message: a library's error can quote its input (a database error, the node's agent token).
  const name = error instanceof Error ? error.name : typeof error;
  return new WebError({
    code: 'INTERNAL',
    message: `internal error (${name}); see the server log`,
    cause: error,
  });
};
