import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, inject, it } from 'vitest';
import { NetcoreError } from '../errors.js';
import { runIn } from '../testing/kernel-tools.js';
import { describeWithNamespaces } from '../testing/test-lab.js';
import { type Command, namespacePath, toIpBatchCommand } from './command.js';
import { createExecaRunner } from './runner.js';

const prefix = () => `${inject('runPrefix')}-np${randomBytes(2).toString('hex')}`;

const readParent = (pid: string) => {
  try {
    return /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
};

const readNamespaceId = (pid: string | number) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
};

/** The `ip` processes waiting in namespaces of their own, started by the command starters of `owner`. */
const listWaitingIps = (owner: number) =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      const parent = readParent(pid);
      try {
        return (
          parent !== undefined &&
          readParent(parent) === String(owner) &&
          isRunning(Number(pid)) &&
          readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ip' &&
          readNamespaceId(pid) !== readNamespaceId('self')
        );
      } catch {
        return false;
      }
    })
    .map(Number);

/** Whether a process runs (a process that has ended but is not reaped yet, a zombie, does not). */
const isRunning = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

/** The processes inside a named namespace. */
const listHolders = (namespace: string) => {
  const id = `net:[${statSync(namespacePath(namespace)).ino}]`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => readNamespaceId(pid) === id)
    .map(Number);
};

/** Polls `condition` until it holds or `limitMs` passes; the assertion that follows says which. */
const waitFor = async (condition: () => boolean, limitMs = 5000) => {
  const start = Date.now();
  while (!condition() && Date.now() - start < limitMs)
    await new Promise((resolve) => setTimeout(resolve, 20));
};

const namespaceAdd = (name: string): Command => ({
  kind: 'namespace-add',
  namespace: undefined,
  file: 'ip',
  args: ['-batch', '-'],
  input: `netns add ${name}\n`,
});

const batchIn = (namespace: string, input: string): Command => ({
  kind: 'ip-batch',
  namespace,
  file: 'ip',
  args: ['-batch', '-'],
  input,
});

describeWithNamespaces('instance namespaces made ahead of need', () => {
  const made: string[] = [];
  const runners: ReturnType<typeof createExecaRunner>[] = [];
  const createRunner = () => {
    const runner = createExecaRunner();
    runners.push(runner);
    return runner;
  };
  const name = () => {
    const namespace = prefix();
    made.push(namespace);
    return namespace;
  };

  afterAll(async () => {
    for (const runner of runners) runner.close?.();
    const cleaner = createExecaRunner();
    for (const namespace of made)
      if (existsSync(namespacePath(namespace)))
        await cleaner.run({ file: 'ip', args: ['netns', 'del', namespace] });
    cleaner.close?.();
  });

  it('names one whose waiting ip runs its one batch there (loopback already up) and then ends', async () => {
    const runner = createRunner();
    await runner.prepare?.();
    const namespace = name();
    await runner.run(namespaceAdd(namespace));
    const result = await runner.run(
      batchIn(
        namespace,
        'link add kudotest0 type veth peer name kudotest0p\naddr add 10.99.0.1/24 dev kudotest0\n',
      ),
    );
    expect(result.process).toBe('long-lived');
    expect(await runIn({ namespace, command: ['ip', '-o', 'addr', 'show', 'kudotest0'] })).toContain(
      '10.99.0.1/24',
    );
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'lo'] })).toMatch(/[<,]UP[,>]/);
    // Nothing of it in the namespace of the test.
    expect(existsSync('/sys/class/net/kudotest0')).toBe(false);
    await waitFor(() => listHolders(namespace).length === 0);
    expect(listHolders(namespace)).toEqual([]);
  });

  it('with the pool empty, makes the namespace with netns add and runs the batch as before; the pool fills again', async () => {
    const runner = createRunner();
    const first = name();
    await runner.run(namespaceAdd(first));
    await expect(
      runner.run(batchIn(first, 'link add kudotest1 type veth peer name kudotest1p\n')),
    ).resolves.toMatchObject({
      process: 'started-by-ip',
    });
    const second = name();
    await runner.run(namespaceAdd(second));
    await expect(
      runner.run(batchIn(second, 'link add kudotest2 type veth peer name kudotest2p\n')),
    ).resolves.toMatchObject({
      process: 'long-lived',
    });
    for (const [namespace, link] of [
      [first, 'kudotest1'],
      [second, 'kudotest2'],
    ] as const)
      expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', link] })).toContain(link);
  });

  it('runs the batch all the same when the waiting ip died before it came', async () => {
    const runner = createRunner();
    await runner.prepare?.();
    const namespace = name();
    await runner.run(namespaceAdd(namespace));
    await waitFor(() => existsSync(namespacePath(namespace)));
    const [waiting] = listHolders(namespace);
    expect(waiting).toBeDefined();
    process.kill(waiting ?? 0, 'SIGKILL');
    await waitFor(() => listHolders(namespace).length === 0);
    await expect(
      runner.run(batchIn(namespace, 'link add kudotest3 type veth peer name kudotest3p\n')),
    ).resolves.toMatchObject({
      process: 'started-by-ip',
    });
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'kudotest3'] })).toContain(
      'kudotest3',
    );
  });

  it('fails the batch with a typed error when the name is taken, leaving the namespace of that name untouched', async () => {
    const runner = createRunner();
    await runner.prepare?.();
    const namespace = name();
    await runner.run(
      toIpBatchCommand({ namespace: undefined, lines: [['netns', 'add', namespace]], kind: 'ip-session' }),
    );
    await runIn({
      namespace,
      command: ['ip', 'link', 'add', 'kudomark', 'type', 'veth', 'peer', 'name', 'kudomarkp'],
    });
    const waitingBefore = listWaitingIps(process.pid);
    expect(waitingBefore.length).toBeGreaterThan(0);
    await runner.run(namespaceAdd(namespace));
    const failure = await runner
      .run(batchIn(namespace, 'link add kudotest4 type veth peer name kudotest4p\n'))
      .catch((error) => error);
    expect(failure).toBeInstanceOf(NetcoreError);
    expect(failure).toMatchObject({ code: 'COMMAND_FAILED', reason: expect.stringContaining('File exists') });
    const links = await runIn({ namespace, command: ['ip', '-o', 'link', 'show'] });
    expect(links).toContain('kudomark');
    expect(links).not.toContain('kudotest4');
    // The waiting ip it took has ended, and its namespace with it.
    await waitFor(() => waitingBefore.some((pid) => !isRunning(pid)));
    expect(waitingBefore.some((pid) => !isRunning(pid))).toBe(true);
  });

  it.each(['exits without closing', 'is killed (SIGKILL)'])(
    'leaves no waiting process, namespace or FIFO behind when Node %s',
    async (ending) => {
      const directory = mkdtempSync(join(tmpdir(), 'kudo-pool-test-'));
      try {
        const script = join(directory, 'exit.mts');
        writeFileSync(
          script,
          [
            `import { readdirSync, readFileSync, readlinkSync } from 'node:fs';`,
            `import { createExecaRunner } from ${JSON.stringify(join(import.meta.dirname, 'runner.ts'))};`,
            'const read = (path) => { try { return readFileSync(path, "utf8"); } catch { return ""; } };',
            "const parentOf = (pid) => /PPid:\\s+(\\d+)/.exec(read('/proc/' + pid + '/status'))?.[1];",
            "const netOf = (pid) => { try { return readlinkSync('/proc/' + pid + '/ns/net'); } catch { return undefined; } };",
            'const runner = createExecaRunner();',
            'await runner.prepare?.();',
            // Its waiting processes: `ip` in a namespace of its own, started by one of its command starters.
            "const waiting = readdirSync('/proc').filter((pid) => /^\\d+$/.test(pid))",
            "  .filter((pid) => parentOf(parentOf(pid) ?? '') === String(process.pid))",
            "  .filter((pid) => read('/proc/' + pid + '/comm').trim() === 'ip' && netOf(pid) !== netOf('self'))",
            '  .map(Number);',
            // The FIFOs it holds, as their files are named now.
            "const fifos = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } })",
            "  .filter((target) => target.includes('/kudo-pool-'));",
            'console.log(JSON.stringify({ waiting, fifos }));',
            // Exits as soon as told, without closing the runner.
            "process.stdin.once('data', () => process.exit(0));",
          ].join('\n'),
        );
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: join(import.meta.dirname, '..', '..', '..', '..'),
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
        const { waiting, fifos } = JSON.parse(line) as { waiting: number[]; fifos: string[] };
        expect(waiting.length).toBeGreaterThan(0);
        expect(waiting.every(isRunning)).toBe(true);
        // Its FIFOs are open, and their files are gone already: nothing of them is left to remove.
        expect(fifos.length).toBeGreaterThanOrEqual(2 * waiting.length);
        expect(fifos.filter((target) => !target.endsWith(' (deleted)'))).toEqual([]);
        if (ending.includes('SIGKILL')) child.kill('SIGKILL');
        else child.stdin.write('exit\n');
        await exited;
        await waitFor(() => waiting.every((pid) => !isRunning(pid)));
        // Each namespace was held by its waiting process alone: with the process, it is gone.
        expect(waiting.filter(isRunning)).toEqual([]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );
});

describeWithNamespaces('iptables-restore started ahead of need', () => {
  const runner = createExecaRunner();
  let namespace = '';

  afterAll(async () => {
    runner.close?.();
    if (namespace && existsSync(namespacePath(namespace)))
      await createExecaRunner().run({ file: 'ip', args: ['netns', 'del', namespace] });
  });

  const restore = (input: string) =>
    runner.run({ kind: 'reads-input-file', namespace, file: 'iptables-restore', args: ['--noflush'], input });
  const listRestores = () =>
    listHolders(namespace).filter(
      (pid) =>
        isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('iptables-restore\0'),
    );

  it('applies each transaction on the one waiting for it, reports a failing line, and ends the last when closed', async () => {
    namespace = prefix();
    await runner.run(
      toIpBatchCommand({ namespace: undefined, lines: [['netns', 'add', namespace]], kind: 'ip-session' }),
    );
    await restore('*filter\n:KUDO-AHEAD - [0:0]\nCOMMIT\n');
    await waitFor(() => listRestores().length === 1);
    const [waiting] = listRestores();
    expect(waiting).toBeDefined();
    // Nothing is applied while it waits.
    expect(await runIn({ namespace, command: ['iptables-save', '-t', 'filter'] })).not.toContain(
      '-A KUDO-AHEAD',
    );
    await restore('*filter\n-A KUDO-AHEAD -j RETURN\nCOMMIT\n');
    expect(isRunning(waiting ?? 0)).toBe(false);
    expect(await runIn({ namespace, command: ['iptables-save', '-t', 'filter'] })).toContain(
      '-A KUDO-AHEAD -j RETURN',
    );
    await waitFor(() => listRestores().length === 1);
    await expect(restore('*filter\n-A KUDO-MISSING -j RETURN\nCOMMIT\n')).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      reason: expect.stringContaining('line 2 failed'),
    });
    await waitFor(() => listRestores().length === 1);
    const last = listRestores();
    expect(last).toHaveLength(1);
    runner.close?.();
    await waitFor(() => last.every((pid) => !isRunning(pid)));
    expect(last.filter(isRunning)).toEqual([]);
    // Ended with an empty input: the rules are as they were.
    expect(await runIn({ namespace, command: ['iptables-save', '-t', 'filter'] })).toContain(
      '-A KUDO-AHEAD -j RETURN',
    );
  });
});
