import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, expect, inject, it } from 'vitest';
import { runIn } from '../testing/kernel-tools.js';
import { describeWithNamespaces } from '../testing/test-lab.js';
import { namespacePath } from './host.js';
import { createExecaRunner } from './runner.js';

const prefix = () => `${inject('runPrefix')}-rn${randomBytes(2).toString('hex')}`;

/** This process's children that are spare or long-lived helpers (`ip -force -batch -`, iptables-restore). */
const listHelperChildren = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const parent = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return Number(parent) === process.pid && /-batch -|iptables-restore/.test(command) ? [command] : [];
      } catch {
        return [];
      }
    });

describeWithNamespaces('the runner starts slow processes ahead of need', () => {
  const runner = createExecaRunner();
  const made: string[] = [];
  const addNamespace = async (name: string) => {
    made.push(name);
    return runner.run({ file: 'ip', args: ['-batch', '-'], input: `netns add ${name}\n`, isReusable: true });
  };

  afterAll(async () => {
    for (const name of made)
      if (existsSync(namespacePath(name)))
        await createExecaRunner().run({ file: 'ip', args: ['netns', 'del', name] });
    runner.close?.();
  });

  it('serves `netns add` with a spare namespace whose process takes its first batch, then ends', async () => {
    const base = prefix();
    // The first namespace has no spare yet (the pool fills when first asked); the next ones do.
    await addNamespace(`${base}-a`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const added = await addNamespace(`${base}-b`);
    expect(added.process).toBe('long-lived');
    const path = namespacePath(`${base}-b`);
    expect(existsSync(path)).toBe(true);
    const ownNamespace = readlinkSync('/proc/self/ns/net');
    const batch = await runner.run({
      file: 'ip',
      args: ['-n', `${base}-b`, '-batch', '-'],
      input: 'link add kudotest0 type veth peer name kudotest1\nlink set lo up\n',
    });
    expect(batch.process).toBe('started-ahead');
    // The batch acted in the named namespace, never in ours.
    expect(
      await runIn({ namespace: `${base}-b`, command: ['ip', '-o', 'link', 'show', 'kudotest0'] }),
    ).toContain('kudotest0');
    expect(readlinkSync('/proc/self/ns/net')).toBe(ownNamespace);
    // Its process has ended: the next batch for the namespace spawns `ip -n` as usual.
    const next = await runner.run({
      file: 'ip',
      args: ['-n', `${base}-b`, '-batch', '-'],
      input: 'link set lo up\n',
    });
    expect(next.process).toBe('spawned');
  });

  it('refuses a name that exists and does not hand a spare to it', async () => {
    const base = prefix();
    await addNamespace(`${base}-c`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(addNamespace(`${base}-c`)).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
    const batch = await runner.run({
      file: 'ip',
      args: ['-n', `${base}-c`, '-batch', '-'],
      input: 'link set lo up\n',
    });
    expect(batch.process).toBe('spawned');
  });

  it('gives a transaction to an iptables-restore started before it, and reports its failure with stderr', async () => {
    const base = prefix();
    await addNamespace(`${base}-d`);
    const restore = (input: string) =>
      runner.run({
        file: 'nsenter',
        args: [`--net=${namespacePath(`${base}-d`)}`, '--', 'iptables-restore', '--noflush'],
        input,
        canStartEarly: true,
      });
    await restore('*filter\n:KUDO-TEST - [0:0]\nCOMMIT\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await restore('*filter\n-A KUDO-TEST -j RETURN\nCOMMIT\n');
    expect(second.process).toBe('started-ahead');
    expect(await runIn({ namespace: `${base}-d`, command: ['iptables-save', '-t', 'filter'] })).toContain(
      '-A KUDO-TEST -j RETURN',
    );
    await expect(restore('*filter\n-A KUDO-MISSING -j RETURN\nCOMMIT\n')).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      reason: expect.stringMatching(/KUDO-MISSING|line 2/),
    });
  });

  it('ends every process it kept or started ahead when closed', async () => {
    expect(listHelperChildren().length).toBeGreaterThan(0);
    runner.close?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listHelperChildren()).toEqual([]);
  });
});
