import { z } from 'zod';
import { ZUserRole } from '../auth/context-user.js';

/** A user's name: what they sign in with and what the audit log shows. */
export const ZUserName = z
  .string()
  .trim()
  .min(1, 'enter a user name')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9._-]+$/, 'must be lowercase letters, digits, ".", "_" or "-"');

/** A password a user chooses. */
export const ZNewPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

export const ZUserIdRequest = z.object({ userId: z.string().min(1).max(64) });

export const ZInviteUserRequest = z.object({
  name: ZUserName,
  role: ZUserRole,
  /** How long the set-password link works: 3 days by default, at most 2 weeks. */
  expiresInHours: z.number().int().min(1).max(336).default(72),
});
export type TInviteUserRequest = z.output<typeof ZInviteUserRequest>;

export const ZChangeRoleRequest = ZUserIdRequest.extend({ role: ZUserRole });
export type TChangeRoleRequest = z.output<typeof ZChangeRoleRequest>;

export const ZSetDisabledRequest = ZUserIdRequest.extend({ disabled: z.boolean() });
export type TSetDisabledRequest = z.output<typeof ZSetDisabledRequest>;

export const ZChangeOwnPasswordRequest = z.object({
  currentPassword: z.string().min(1, 'enter your current password').max(1024),
  newPassword: ZNewPassword,
});
export type TChangeOwnPasswordRequest = z.output<typeof ZChangeOwnPasswordRequest>;

/** The token of a set-password link (the part after `#`). */
export const ZInviteToken = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a set-password link');
export const ZReadInviteRequest = z.object({ token: ZInviteToken });
export const ZAcceptInviteRequest = z.object({ token: ZInviteToken, password: ZNewPassword });
export type TAcceptInviteRequest = z.output<typeof ZAcceptInviteRequest>;

export const ZSessionIdRequest = z.object({
  sessionId: z.string().regex(/^[0-9a-f]{64}$/, 'is not a session id'),
});
export type TSessionIdRequest = z.output<typeof ZSessionIdRequest>;
