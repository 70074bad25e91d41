import { latestVersion } from './versions.js';

/** The spec's well-known error codes the plugin uses (100+ are the plugin's own). */
export const cniErrorCodes = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  pluginNotAvailable: 50,
  pluginNotAvailableLimited: 51,
  /** Kudo: the agent refused or failed the attachment (the message says why). */
  attachmentFailed: 100,
  /** Kudo: CHECK found the attachment not as ADD left it. */
  attachmentDrift: 101,
} as const;

/** A failure to report on stdout as the spec's error JSON, with a non-zero exit. */
export class CniError extends Error {
  override readonly name = 'CniError';
  readonly code: number;
  readonly details: string | undefined;

  constructor({ code, message, details }: { code: number; message: string; details?: string | undefined }) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export const isCniError = (error: unknown): error is CniError => error instanceof CniError;

/** The error JSON of the spec: `{ cniVersion, code, msg, details }`. */
export const formatCniError = ({
  error,
  cniVersion = latestVersion,
}: {
  error: CniError;
  cniVersion?: string;
}) => ({
  cniVersion,
  code: error.code,
  msg: error.message,
  ...(error.details === undefined ? {} : { details: error.details }),
});
