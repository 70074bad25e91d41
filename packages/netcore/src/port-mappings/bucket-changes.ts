import type { ChainDeclaration, RestoreScript, RuleChange } from '../kernel/restore-script.js';
import type { SavedTables } from '../kernel/saved-rules.js';
import { chains } from '../names.js';
import { listReachableBuckets, renderBucketJump } from './host-port-chains.js';

/**
 * What an instance with mappings needs around its rules: its bucket (created with `-N` when the model
 * has none, so a stale model fails the transaction instead of flushing the bucket of other instances)
 * and the bucket's jump from `KUDO-HOSTPORTS` (appended when the model has none). Asked by every change
 * of an instance with mappings, so setting one up again repairs a lost jump.
 */
export const renderBucketEnsure = ({ saved, bucket }: { saved: SavedTables; bucket: string }) => {
  const createdChains: ChainDeclaration[] = saved.chains.nat.has(bucket)
    ? []
    : [{ table: 'nat', chain: bucket }];
  const changes: RuleChange[] = listReachableBuckets(saved).has(bucket)
    ? []
    : [{ table: 'nat', action: 'append', chain: chains.hostPorts, rule: renderBucketJump(bucket) }];
  return { createdChains, changes };
};

/**
 * The port-mapping changes of several instances as one script: each bucket created, and jumped to, once
 * however many of its instances are in it.
 */
export const mergeBucketScripts = (scripts: readonly RestoreScript[]): RestoreScript => {
  const created = new Map<string, ChainDeclaration>();
  const jumps = new Set<string>();
  const changes: RuleChange[] = [];
  for (const script of scripts) {
    for (const chain of script.createdChains ?? []) created.set(chain.chain, chain);
    for (const change of script.changes) {
      if (change.chain === chains.hostPorts && change.action === 'append') {
        const key = change.rule.join(' ');
        if (jumps.has(key)) continue;
        jumps.add(key);
      }
      changes.push(change);
    }
  }
  return {
    declaredChains: [],
    ...(created.size > 0 ? { createdChains: [...created.values()] } : {}),
    changes,
  };
};
