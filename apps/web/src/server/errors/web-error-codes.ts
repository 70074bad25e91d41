/** Closed set of reasons a control-plane action fails. */
export const webErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  /** The action is valid but not now (e.g. removing a node that still has instances). */
  'PRECONDITION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  /** The node's agent did not answer: nothing reached it, or not in time. */
  'AGENT_UNREACHABLE',
  /** The node's agent refused the control plane's token (the node's recorded token is not its agent's). */
  'AGENT_UNAUTHORIZED',
  /** What answers at the node's agent URL does not take the control plane's calls (another version?). */
  'AGENT_INCOMPATIBLE',
  /** The node's agent answered with a failure (netcore's, or its own). */
  'AGENT_FAILED',
  'INTERNAL',
] as const;

export type WebErrorCode = (typeof webErrorCodes)[number];
