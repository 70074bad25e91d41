/** Closed set of reasons a PKI function refuses its input. */
export const pkiErrorCodes = [
  'INVALID_INPUT',
  'INVALID_CERTIFICATE',
  'INVALID_REQUEST',
  'INVALID_KEY',
] as const;

export type PkiErrorCode = (typeof pkiErrorCodes)[number];

/** The one error type of @kudo/pki: a code, the offending field (if any) and a human reason. */
export class PkiError extends Error {
  override readonly name = 'PkiError';
  readonly code: PkiErrorCode;
  readonly field: string | undefined;
  readonly reason: string;

  constructor({
    code,
    reason,
    field,
    cause,
  }: {
    code: PkiErrorCode;
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

export const isPkiError = (error: unknown): error is PkiError => error instanceof PkiError;
