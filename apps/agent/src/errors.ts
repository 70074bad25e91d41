/** Closed set of reasons the agent itself refuses to start or to serve (netcore's failures stay NetcoreErrors). */
export const agentErrorCodes = [
  'INVALID_OPTION',
  'NO_TOKEN',
  'UNSAFE_LISTEN',
  'TOKEN_FILE',
  /** The config directory's key, certificates or agent.json are missing or do not fit together. */
  'CREDENTIALS',
  /** join: the control plane's CA is not the one `--ca-hash` names (a man in the middle, or a typo). */
  'CA_MISMATCH',
  /** join: the control plane answered with a refusal (bad token, node id taken, ...). */
  'JOIN_REFUSED',
  /** join: the control plane could not be reached or answered something that is no answer. */
  'JOIN_FAILED',
] as const;

export type AgentErrorCode = (typeof agentErrorCodes)[number];

/** The one error type of the agent layer: a code, the offending option (if any) and a human reason. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: AgentErrorCode;
  readonly field: string | undefined;
  readonly reason: string;

  constructor({
    code,
    reason,
    field,
    cause,
  }: {
    code: AgentErrorCode;
    reason: string;
    field?: string;
    cause?: unknown;
  }) {
    super(field ? `${field}: ${reason}` : reason, { cause });
    this.code = code;
    this.field = field;
    this.reason = reason;
  }
}
