import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { expectNetcoreError } from '../testing/expect-error.js';
import { runIn } from '../testing/kernel-tools.js';
import { describeWithNamespaces } from '../testing/test-lab.js';
import { namespacePath, toIpBatchCommand } from './command.js';
import { runBatchesInNamespaces } from './namespace-batches.js';
import { createExecaRunner } from './runner.js';

describeWithNamespaces('one ip batch in each of many namespaces, from one process', () => {
  const runner = createExecaRunner();
  const prefix = `${inject('runPrefix')}-nb${randomBytes(2).toString('hex')}`;
  const namespaces = Array.from({ length: 7 }, (_, index) => `${prefix}-${index}`);
  const host = { namespace: undefined, namespacePrefix: prefix, runner };
  const manage = (verb: 'add' | 'del', names: readonly string[]) =>
    runner.run(
      toIpBatchCommand({
        namespace: undefined,
        lines: names.map((name) => ['netns', verb, name]),
        kind: 'ip-session',
      }),
    );
  const listVeths = async (namespace: string) =>
    (await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'type', 'veth'] }))
      .split('\n')
      .flatMap((line) => /^\d+: (kudonb\d+)@/.exec(line)?.[1] ?? []);

  beforeAll(async () => {
    await manage('add', namespaces);
  });
  afterAll(async () => {
    await manage(
      'del',
      namespaces.filter((name) => existsSync(namespacePath(name))),
    );
    runner.close?.();
  });

  it('runs each batch inside its own namespace, more batches than run at once', async () => {
    await runBatchesInNamespaces({
      host,
      parallelism: 3,
      batches: namespaces.map((namespace, index) => ({
        index,
        namespace,
        lines: [['link', 'add', `kudonb${index}`, 'type', 'veth']],
      })),
    });
    for (const [index, namespace] of namespaces.entries())
      expect(await listVeths(namespace)).toEqual([`kudonb${index}`]);
  });

  it('names the batch that failed by its index, and still runs the others', async () => {
    const error = await expectNetcoreError(
      runBatchesInNamespaces({
        host,
        parallelism: 2,
        batches: namespaces.map((namespace, index) => ({
          index: index + 10,
          namespace,
          lines: [
            index === 4
              ? ['link', 'set', 'kudonbmissing', 'up']
              : ['link', 'add', `kudonb${index + 10}`, 'type', 'veth'],
          ],
        })),
      }),
      { code: 'COMMAND_FAILED', field: 'instances.14' },
    );
    expect(error.reason).toContain('instance #14');
    expect(await listVeths(namespaces[4] ?? '')).toEqual(['kudonb4']);
    expect(await listVeths(namespaces[6] ?? '')).toEqual(['kudonb6', 'kudonb16']);
  });

  it('a namespace whose file has vanished fails only its own batch, named by its index', async () => {
    const vanished = `${prefix}-gone`;
    const error = await expectNetcoreError(
      runBatchesInNamespaces({
        host,
        batches: [
          { index: 20, namespace: namespaces[0] ?? '', lines: [['link', 'add', 'kudonb20', 'type', 'veth']] },
          { index: 21, namespace: vanished, lines: [['link', 'add', 'kudonb21', 'type', 'veth']] },
          { index: 22, namespace: namespaces[1] ?? '', lines: [['link', 'add', 'kudonb22', 'type', 'veth']] },
        ],
      }),
      { code: 'COMMAND_FAILED', field: 'instances.21' },
    );
    expect(error.reason).toContain('instance #21');
    expect(existsSync(namespacePath(vanished))).toBe(false);
    expect(await listVeths(namespaces[0] ?? '')).toContain('kudonb20');
    expect(await listVeths(namespaces[1] ?? '')).toContain('kudonb22');
  });
});
