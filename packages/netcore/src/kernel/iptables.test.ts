import { describe, expect, it } from 'vitest';
import type { Command, CommandResult } from './command.js';
import { applyRestoreScript, readIptables, readIptablesCached } from './iptables.js';
import type { RestoreScript } from './restore-script.js';

const kernelRules = '*nat\n:KUDO-HOSTPORTS - [0:0]\nCOMMIT\n';
const appended: RestoreScript = {
  declaredChains: [],
  changes: [{ table: 'nat', action: 'append', chain: 'KUDO-HOSTPORTS', rule: ['-j', 'RETURN'] }],
};

/** A runner whose iptables-restore answers only when told to, and that counts the reads of the rules. */
const createHeldRunner = () => {
  const reads: Command[] = [];
  const held: { settle: (outcome: 'done' | 'failed') => void }[] = [];
  const run = (command: Command): Promise<CommandResult> => {
    if (command.file === 'iptables-save') {
      reads.push(command);
      return Promise.resolve({ stdout: kernelRules, stderr: '' });
    }
    return new Promise((resolve, reject) => {
      held.push({
        settle: (outcome) =>
          outcome === 'done'
            ? resolve({ stdout: '', stderr: '' })
            : reject(new Error('iptables-restore failed')),
      });
    });
  };
  return { runner: { run }, reads, held };
};

describe('the model of the rules while a write runs', () => {
  it('a read during a write waits for it and gets the model it left, without reading the kernel', async () => {
    const { runner, reads, held } = createHeldRunner();
    const host = { namespace: 'kudo-test-model-1', namespacePrefix: 'kudo-test-model-1', runner };
    await readIptables({ host });
    const writing = applyRestoreScript({ host, script: appended });
    const read = readIptablesCached({ host });
    await Promise.resolve();
    held[0]?.settle('done');
    await writing;
    const tables = await read;
    expect(reads).toHaveLength(1);
    expect(tables.rules.map(({ chain, rule }) => [chain, ...rule])).toEqual([
      ['KUDO-HOSTPORTS', '-j', 'RETURN'],
    ]);
  });

  it('a read during a write that fails reads the kernel once the write has ended', async () => {
    const { runner, reads, held } = createHeldRunner();
    const host = { namespace: 'kudo-test-model-2', namespacePrefix: 'kudo-test-model-2', runner };
    await readIptables({ host });
    const writing = applyRestoreScript({ host, script: appended });
    writing.catch(() => undefined);
    const read = readIptablesCached({ host });
    await Promise.resolve();
    expect(reads).toHaveLength(1);
    held[0]?.settle('failed');
    await expect(writing).rejects.toThrow('iptables-restore failed');
    await read;
    expect(reads).toHaveLength(2);
  });
});
