import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, expect, inject, it } from 'vitest';
import { runIn } from '../testing/kernel-tools.js';
import { describeWithNamespaces } from '../testing/test-lab.js';
import { type Command, namespacePath, toIpBatchCommand } from './command.js';
import { createExecaRunner } from './runner.js';

describeWithNamespaces('links deleted as cleanInstance deletes veths, and commands started literally', () => {
  const runner = createExecaRunner();
  const namespace = `${inject('runPrefix')}-ld${randomBytes(2).toString('hex')}`;
  const session = (lines: string[][]) =>
    runner.run(toIpBatchCommand({ namespace, lines, kind: 'ip-session' }));
  /** Namespaces are named and removed from the runner's own namespace. */
  const manageNamespace = (verb: 'add' | 'del') =>
    runner.run(
      toIpBatchCommand({ namespace: undefined, lines: [['netns', verb, namespace]], kind: 'ip-session' }),
    );
  const deleteLink = (name: string): Command => ({
    kind: 'ip-link-delete',
    namespace,
    file: 'ip',
    args: ['-batch', '-'],
    input: `link del ${name}\n`,
  });

  afterAll(async () => {
    if (existsSync(namespacePath(namespace))) await manageNamespace('del');
    runner.close?.();
  });

  it('answers once the pair is gone from the namespace, and the name can be used again at once', async () => {
    await manageNamespace('add');
    for (let round = 0; round < 3; round += 1) {
      await session([['link', 'add', 'kudold0', 'type', 'veth', 'peer', 'name', 'kudold1']]);
      await runner.run(deleteLink('kudold0'));
      const links = await runIn({ namespace, command: ['ip', '-o', 'link', 'show'] });
      expect(links).not.toContain('kudold0');
      expect(links).not.toContain('kudold1');
    }
  });

  it('reports a link that does not exist as the kernel does', async () => {
    await expect(runner.run(deleteLink('kudoldmissing'))).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      reason: expect.stringContaining('kudoldmissing'),
    });
  });

  it('spawns a command with a word a shell would interpret instead of handing it to a starter', async () => {
    const restore = (chain: string) =>
      runner.run({
        kind: 'reads-input-file',
        namespace,
        file: 'iptables-restore',
        args: chain === 'plain' ? ['--noflush'] : ['--noflush', '--wait=1;true'],
        input: '*filter\n:KUDO-LD - [0:0]\nCOMMIT\n',
      });
    await expect(restore('plain')).resolves.toMatchObject({ process: 'started-by-ip' });
    // Spawned: the odd argument reaches iptables-restore as one word (its option parser reads 1 from it).
    await expect(restore('odd')).resolves.toMatchObject({ process: 'spawned' });
  });
});
