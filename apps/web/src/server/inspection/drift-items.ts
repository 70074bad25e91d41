import { createHash } from 'node:crypto';
import type { DriftItem } from '@kudo/netcore';

/** A drift item as clients see it: with a stable id, so one item can be reconciled by itself. */
export type PublicDriftItem = DriftItem & { id: string };

/** Stable while the problem lasts: the same kind of problem with the same resource and target. */
export const getDriftItemId = ({ kind, resource, target }: Pick<DriftItem, 'kind' | 'resource' | 'target'>) =>
  createHash('sha256').update(`${kind}|${resource}|${target}`).digest('hex').slice(0, 12);

export const toPublicDriftItems = (items: readonly DriftItem[]): PublicDriftItem[] =>
  items.map((item) => ({ ...item, id: getDriftItemId(item) }));
