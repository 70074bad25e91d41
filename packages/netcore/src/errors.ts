/** Closed set of reasons a netcore operation can fail. */
export const netcoreErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNREACHABLE',
  'MISSING_DEPENDENCY',
  'PERMISSION_DENIED',
  'COMMAND_FAILED',
  'TIMEOUT',
] as const;

export type NetcoreErrorCode = (typeof netcoreErrorCodes)[number];

export type NetcoreErrorOptions = {
  code: NetcoreErrorCode;
  reason: string;
  field?: string;
  command?: string;
  cause?: unknown;
};

/** The one error type of netcore: a code, the offending field (if any) and a human reason. */
export class NetcoreError extends Error {
  override readonly name = 'NetcoreError';
  readonly code: NetcoreErrorCode;
  readonly field: string | undefined;
  readonly reason: string;
  readonly command: string | undefined;

  constructor({ code, reason, field, command, cause }: NetcoreErrorOptions) {
    super(field ? `${field}: ${reason}` : reason, { cause });
    this.code = code;
    this.reason = reason;
    this.field = field;
    this.command = command;
  }

  toJSON() {
    return {
      code: this.code,
      field: this.field,
      reason: this.reason,
      message: this.message,
      command: this.command,
    };
  }
}

export const isNetcoreError = (error: unknown): error is NetcoreError => error instanceof NetcoreError;
