import type { Host } from './host.js';
import { isOurRule } from './our-rules.js';
import { isEmptyScript, type RestoreScript, renderRestoreScript } from './restore-script.js';
import { parseIptablesSave, type SavedTables } from './saved-rules.js';
import { applyScriptToTables } from './table-model.js';

/** How long iptables waits for the xtables lock held by another writer. */
const lockWaitSeconds = '10';

/**
 * What netcore last knew of a host namespace's rules, shared by every netcore object of the process that
 * acts there. Reads refresh it, successful writes update it, failed writes drop it. `generation` is bumped
 * by every write, so a read that overlapped a write does not store what it saw.
 */
type RuleModel = {
  tables: SavedTables | undefined;
  generation: number;
  /** Settles when the write under way has ended (the model is unknown meanwhile); none when none runs. */
  writing: Promise<void> | undefined;
};

const models = new Map<string, RuleModel>();

const getRuleModel = (host: Host): RuleModel => {
  const key = host.namespace ?? '';
  const model = models.get(key) ?? { tables: undefined, generation: 0, writing: undefined };
  models.set(key, model);
  return model;
};

/** Reads the filter and nat tables of the host namespace, as the kernel has them. */
export const readIptables = async ({ host }: { host: Host }): Promise<SavedTables> => {
  const model = getRuleModel(host);
  const generation = model.generation;
  const { stdout } = await host.runner.run({ namespace: host.namespace, file: 'iptables-save', args: [] });
  const tables = parseIptablesSave(stdout);
  if (model.generation === generation) model.tables = tables;
  return tables;
};

/**
 * The model of the tables kept since the last read, or a fresh read. While a write is under way the model
 * is unknown: its end is awaited rather than the kernel read (a burst of calls arriving during a
 * transaction each started an `iptables-save` of the whole node, which the write's outcome made useless).
 */
export const readIptablesCached = async ({ host }: { host: Host }): Promise<SavedTables> => {
  const model = getRuleModel(host);
  while (!model.tables && model.writing) await model.writing;
  return model.tables ?? readIptables({ host });
};

/** Applies a script in one iptables-restore --noflush transaction; nothing is run for an empty script. */
export const applyRestoreScript = async ({ host, script }: { host: Host; script: RestoreScript }) => {
  if (isEmptyScript(script)) return;
  const model = getRuleModel(host);
  const before = model.tables;
  model.tables = undefined;
  model.generation += 1;
  const write = (async () => {
    await host.runner.run({
      kind: 'reads-input-file',
      namespace: host.namespace,
      file: 'iptables-restore',
      args: ['--noflush', '--wait', lockWaitSeconds],
      input: renderRestoreScript(script),
    });
    model.generation += 1;
    if (before) model.tables = applyScriptToTables({ tables: before, script });
  })();
  // Settles once the model is known again (or dropped, after a failure).
  const writing = write.then(
    () => undefined,
    () => undefined,
  );
  model.writing = writing;
  try {
    await write;
  } finally {
    if (model.writing === writing) model.writing = undefined;
  }
};

const describeOurRules = (tables: SavedTables) =>
  tables.rules
    .filter(isOurRule)
    .map((rule) => `${rule.table} ${rule.chain} ${rule.rule.join(' ')}`)
    .sort()
    .join('\n');

/**
 * Runs `work` on the model of the tables (no kernel read on the hot path). If it fails and the kernel
 * turns out to differ from the model (someone changed the rules by hand), it runs once more on what the
 * kernel really has; a failure with an accurate model is a real failure and is thrown.
 */
export const withRuleModel = async <T>({
  host,
  work,
}: {
  host: Host;
  work: (tables: SavedTables) => Promise<T>;
}) => {
  const cached = getRuleModel(host).tables;
  if (!cached) return work(await readIptables({ host }));
  try {
    return await work(cached);
  } catch (error) {
    const fresh = await readIptables({ host });
    if (describeOurRules(fresh) === describeOurRules(cached)) throw error;
    return work(fresh);
  }
};
