/**
 * Sign-in throttling, decided from data: each key (`account:<name>`, `address:<ip>`) allows a few failures,
 * then every further attempt is blocked for a doubling time. Failures are forgotten after a quiet window.
 */
export type ThrottleLimits = {
  /** Attempts allowed before the first block. */
  freeAttempts: number;
  /** The first block's length; it doubles with every further attempt. */
  baseBlockMs: number;
  maxBlockMs: number;
  /** Failures older than this (without a block in force) are forgotten. */
  forgetAfterMs: number;
};

export const accountLimits: ThrottleLimits = {
  freeAttempts: 3,
  baseBlockMs: 2_000,
  maxBlockMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
};

/** Looser per address: several people may sign in from behind one NAT. */
export const addressLimits: ThrottleLimits = { ...accountLimits, freeAttempts: 10 };

export type ThrottleState = { failures: number; blockedUntil: Date | null; updatedAt: Date };

/** Milliseconds until a key may try again, or 0. */
export const readBlockMs = ({ state, now }: { state: ThrottleState | null; now: Date }) =>
  state?.blockedUntil ? Math.max(0, state.blockedUntil.getTime() - now.getTime()) : 0;

/**
 * The state once an attempt is counted (before its password is checked, so parallel guesses cannot all
 * slip through): one more failure, and a block when the free attempts are used up.
 */
export const countAttempt = ({
  state,
  limits,
  now,
}: {
  state: ThrottleState | null;
  limits: ThrottleLimits;
  now: Date;
}): { failures: number; blockedUntil: Date | null } => {
  const isForgotten = !state || now.getTime() - state.updatedAt.getTime() > limits.forgetAfterMs;
  const failures = (isForgotten ? 0 : state.failures) + 1;
  if (failures < limits.freeAttempts) return { failures, blockedUntil: null };
  const blockMs = Math.min(limits.maxBlockMs, limits.baseBlockMs * 2 ** (failures - limits.freeAttempts));
  return { failures, blockedUntil: new Date(now.getTime() + blockMs) };
};

/** The message of a refused attempt: the same whether the name exists or not. */
export const describeRetry = ({ blockMs }: { blockMs: number }) =>
  `too many failed sign-ins: try again in ${Math.max(1, Math.ceil(blockMs / 1000))} s`;
