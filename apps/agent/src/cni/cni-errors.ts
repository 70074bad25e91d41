/**
 * Why the agent's CNI side refuses a request. The plugin turns each into the spec's error code
 * (cni-plugin's error table): try again later (11) for what the control plane has not done yet, a
 * plugin-specific code for the rest.
 */
export const cniRefusalCodes = [
  /** The control plane has not delegated an address range to this node yet. */
  'NO_RANGE',
  /** Every address of the delegated range is attached. */
  'RANGE_FULL',
  /** This container already has this interface on this network. */
  'ALREADY_ATTACHED',
  /** CHECK of an attachment the agent does not know. */
  'NOT_ATTACHED',
  /** CHECK found the attachment not as ADD left it. */
  'DRIFT',
] as const;

export type CniRefusalCode = (typeof cniRefusalCodes)[number];

export class CniRefusal extends Error {
  override readonly name = 'CniRefusal';
  readonly code: CniRefusalCode;
  readonly field: string | undefined;

  constructor({
    code,
    message,
    field,
    cause,
  }: { code: CniRefusalCode; message: string; field?: string; cause?: unknown }) {
    super(message, { cause });
    this.code = code;
    this.field = field;
  }
}

export const isCniRefusal = (error: unknown): error is CniRefusal => error instanceof CniRefusal;
