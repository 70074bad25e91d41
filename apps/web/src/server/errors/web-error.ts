import { isNetcoreError, type NetcoreErrorCode } from '@kudo/netcore';

/** Closed set of reasons a control-plane action fails. */
export const webErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  /** The action is valid but not now (e.g. removing a node that still has instances). */
  'PRECONDITION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  /** The node's agent did not answer (network, timeout, wrong token). */
  'AGENT_UNREACHABLE',
  /** The node's agent answered with a failure. */
  'AGENT_FAILED',
  'INTERNAL',
] as const;

export type WebErrorCode = (typeof webErrorCodes)[number];

export type WebErrorOptions = {
  code: WebErrorCode;
  message: string;
  field?: string;
  /** The node whose agent failed, when an agent failed. */
  nodeId?: string;
  /** The agent's own error code (netcore's), when an agent failed. */
  agentCode?: NetcoreErrorCode;
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

  constructor({ code, message, field, nodeId, agentCode, cause }: WebErrorOptions) {
    super(message, { cause });
    this.code = code;
    this.field = field;
    this.nodeId = nodeId;
    this.agentCode = agentCode;
  }

  toJSON() {
    return { code: this.code, field: this.field, message: this.message, nodeId: this.nodeId };
  }
}

export const isWebError = (error: unknown): error is WebError =>
  typeof error === 'object' &&
  error !== null &&
  (error as { [webErrorBrand]?: unknown })[webErrorBrand] === true;

const webCodeByAgentCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  CONFLICT: 'CONFLICT',
  NOT_FOUND: 'AGENT_FAILED',
  UNREACHABLE: 'AGENT_UNREACHABLE',
  TIMEOUT: 'AGENT_UNREACHABLE',
  PERMISSION_DENIED: 'AGENT_FAILED',
  MISSING_DEPENDENCY: 'AGENT_FAILED',
  COMMAND_FAILED: 'AGENT_FAILED',
} as const satisfies Record<NetcoreErrorCode, WebErrorCode>;

/** Agent failures that leave the node unchanged: the agent refused the request (netcore rolls back). */
export const isRefusal = (code: NetcoreErrorCode) =>
  code === 'INVALID_INPUT' || code === 'CONFLICT' || code === 'NOT_FOUND' || code === 'MISSING_DEPENDENCY';

/** Short text of any failure, for status reasons and the audit log. */
export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Any failure as a WebError. A NetcoreError (what an agent gateway throws) keeps its code as `agentCode`
 * and names the node and operation in the message.
 */
export const toWebError = (
  error: unknown,
  { nodeId, operation }: { nodeId?: string; operation?: string } = {},
): WebError => {
  if (isWebError(error)) return error;
  if (isNetcoreError(error)) {
    const where = [operation, nodeId && `on node ${nodeId}`].filter(Boolean).join(' ');
    return new WebError({
      code: webCodeByAgentCode[error.code],
      message: where ? `${where} failed: ${error.message}` : error.message,
      field: error.field,
      nodeId,
      agentCode: error.code,
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
