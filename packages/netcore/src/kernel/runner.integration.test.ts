import { randomBytes } from 'node:crypto';
import { existsSync, readlinkSync } from 'node:fs';
import { afterAll, expect, inject, it } from 'vitest';
import { listChildProcesses } from '../testing/child-processes.js';
import { runIn } from '../testing/kernel-tools.js';
import { describeWithNamespaces } from '../testing/test-lab.js';
import { namespacePath, toIpBatchCommand } from './command.js';
import { createExecaRunner } from './runner.js';

const prefix = () => `${inject('runPrefix')}-rn${randomBytes(2).toString('hex')}`;

/** This process's children that are long-lived `ip -batch -` helpers. */
const listHelperChildren = () =>
  listChildProcesses()
    .map(({ command }) => command)
    .filter((command) => command.includes('-batch -'));

describeWithNamespaces('the runner lets long-lived ip processes start commands in namespaces', () => {
  const runner = createExecaRunner();
  const made: string[] = [];
  const addNamespace = async (name: string) => {
    made.push(name);
    await runner.run(
      toIpBatchCommand({ namespace: undefined, lines: [['netns', 'add', name]], kind: 'ip-session' }),
    );
    return name;
  };

  afterAll(async () => {
    for (const name of made)
      if (existsSync(namespacePath(name)))
        await createExecaRunner().run({ file: 'ip', args: ['netns', 'del', name] });
    runner.close?.();
  });

  it('runs a batch in a named namespace without spawning from Node, and reports a failing line', async () => {
    const namespace = await addNamespace(prefix());
    const ownNamespace = readlinkSync('/proc/self/ns/net');
    const result = await runner.run({
      kind: 'ip-batch',
      namespace,
      file: 'ip',
      args: ['-batch', '-'],
      input: 'link add kudotest0 type veth peer name kudotest1\nlink set lo up\n',
    });
    expect(result.process).toBe('started-by-ip');
    // It acted in the named namespace, not in ours.
    expect(readlinkSync('/proc/self/ns/net')).toBe(ownNamespace);
    await expect(runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'kudotest1'] })).resolves.toContain(
      'kudotest1',
    );
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'kudotest0'] })).toContain(
      'kudotest0',
    );
    await expect(
      runner.run({
        kind: 'ip-batch',
        namespace,
        file: 'ip',
        args: ['-batch', '-'],
        input: 'link set kudomissing up\n',
      }),
    ).rejects.toMatchObject({ code: 'COMMAND_FAILED', reason: expect.stringContaining('kudomissing') });
  });

  it('a long-lived ip that ends in the middle of a batch fails it with what ip printed, and the next batch gets a new one', async () => {
    const namespace = await addNamespace(prefix());
    const session = (lines: string[][]) =>
      runner.run(toIpBatchCommand({ namespace, lines, kind: 'ip-session' }));
    await session([['link', 'set', 'lo', 'up']]);
    // `ip` exits (2) on a failed neighbour change, even with -force: the line after it never runs.
    await expect(
      session([
        ['neigh', 'del', '10.9.9.9', 'dev', 'lo'],
        ['link', 'add', 'kudotest2', 'type', 'bridge'],
      ]),
    ).rejects.toThrow(/exited \(2\) with work pending: RTNETLINK answers: No such file or directory/);
    await session([['link', 'add', 'kudotest3', 'type', 'bridge']]);
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'type', 'bridge'] })).toMatch(
      /^\d+: kudotest3:[^\n]*$/,
    );
  });

  it('gives an iptables transaction to iptables-restore started by ip, and reports its failure', async () => {
    const namespace = await addNamespace(prefix());
    const restore = (input: string) =>
      runner.run({
        kind: 'reads-input-file',
        namespace,
        file: 'iptables-restore',
        args: ['--noflush'],
        input,
      });
    const created = await restore('*filter\n:KUDO-TEST - [0:0]\n-A KUDO-TEST -j RETURN\nCOMMIT\n');
    expect(created.process).toBe('started-by-ip');
    expect(await runIn({ namespace, command: ['iptables-save', '-t', 'filter'] })).toContain(
      '-A KUDO-TEST -j RETURN',
    );
    await expect(restore('*filter\n-A KUDO-MISSING -j RETURN\nCOMMIT\n')).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      reason: expect.stringContaining('line 2 failed'),
    });
  });

  it('recovers when a long-lived ip remembers a link the kernel has replaced (a reboot, a hand delete)', async () => {
    const namespace = await addNamespace(prefix());
    const makeBridge = () =>
      runner.run({
        kind: 'ip-session',
        namespace,
        file: 'ip',
        args: ['-batch', '-'],
        input:
          'link add kudotestbr type bridge\nlink set kudotestbr alias kudo:test\nlink set kudotestbr up\n',
      });
    await makeBridge();
    // Naming it as a master is what makes `ip` remember its index.
    await runner.run({
      kind: 'ip-session',
      namespace,
      file: 'ip',
      args: ['-batch', '-'],
      input: 'link add kudotestv0 type veth peer name kudotestv1\nlink set kudotestv0 master kudotestbr up\n',
    });
    await runIn({ namespace, command: ['ip', 'link', 'del', 'kudotestbr'] });
    // The same long-lived process makes it again: it must not use the old bridge's index.
    await expect(makeBridge()).resolves.toMatchObject({ process: 'long-lived' });
    expect(await runIn({ namespace, command: ['ip', '-d', 'link', 'show', 'kudotestbr'] })).toContain(
      'alias kudo:test',
    );
  });

  it('ends every process it kept when closed', async () => {
    expect(listHelperChildren().length).toBeGreaterThan(0);
    runner.close?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listHelperChildren()).toEqual([]);
  });
});
