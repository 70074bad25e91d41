import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { buildKudoPlugin } from './testing/build-plugin.js';

/** A process alone in a new network namespace (never the machine's), known as `/proc/PID/ns/net`, as ctr's are. */
const startContainer = async () => {
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'unshare', '--net', '--', 'sleep', 'infinity'],
    {
      stdio: 'ignore',
    },
  );
  const path = `/proc/${child.pid}/ns/net`;
  // Not before it is in its own namespace (until unshare has run, the path names the test's own).
  while (statSync(path).ino === statSync('/proc/self/ns/net').ino)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return { child, path };
};

const inside = (path: string, command: string[], input?: string) =>
  new Promise<{ stdout: string; stderr: string; exitCode: number }>((resolve) => {
    const child = execFile('nsenter', [`--net=${path}`, '--', ...command], (error, stdout, stderr) =>
      resolve({ stdout, stderr, exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
    // A command that reads nothing may end before its input is written.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });

/** What a user sees of the container's network: addresses and routes, without kernel-chosen indexes and MACs. */
const describeNetwork = async (path: string) => {
  const addresses = JSON.parse((await inside(path, ['ip', '-j', 'addr'])).stdout) as Record<
    string,
    unknown
  >[];
  const routes = JSON.parse((await inside(path, ['ip', '-j', 'route'])).stdout) as unknown[];
  return {
    links: addresses.map(({ ifname, flags, mtu, operstate, addr_info }) => ({
      ifname,
      flags,
      mtu,
      operstate,
      // A link-local IPv6 address comes from the random MAC, and is tentative for a while: its presence
      // is compared, not its value or state.
      addr_info: (addr_info as { family: string; scope: string }[]).map((info) =>
        info.family === 'inet6' && info.scope === 'link' ? { family: info.family, scope: info.scope } : info,
      ),
    })),
    routes,
  };
};

/**
 * The container side of an ADD in the native forwarder's child (native/container-side.c), against a stand-in
 * agent that gives the child a batch of `ip` lines, as the agent's cni-ip-helpers.ts does, and answers the
 * ADD with what the child wrote back. Each case is compared with a real `ip -batch -` given the same lines in
 * a twin container.
 */
describeWithNamespaces("the forwarder's child configures the container side", () => {
  let directory = '';
  let plugin = '';
  let socket = '';
  let server: Server | undefined;
  let batch = '';
  let helperOutput: Promise<string> = Promise.resolve('');
  let settle: (output: string) => void = () => undefined;
  const containers: ChildProcess[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-container-side-test-'));
    plugin = await buildKudoPlugin({ outfile: join(directory, 'bin', 'kudo') });
    socket = join(directory, 'agent.sock');
    server = createServer(async (req, res) => {
      await text(req);
      const body = await helperOutput;
      res.writeHead(200, { 'cni-exit-code': '0', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    // The child: given the batch at once (the agent writes it when its veth is made), read until it ends.
    server.on('upgrade', (_req: IncomingMessage, connection: Socket) => {
      const chunks: Buffer[] = [];
      connection.on('data', (chunk: Buffer) => chunks.push(chunk));
      connection.once('close', () => settle(Buffer.concat(chunks).toString('utf8')));
      connection.end(batch);
    });
    server.listen(socket);
    await once(server, 'listening');
  });
  afterEach(() => {
    for (const child of containers.splice(0)) child.kill('SIGKILL');
  });
  afterAll(async () => {
    try {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    } finally {
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  /** A container with an `eth0` (its veth's peer stays inside too), as the agent's pair leaves it. */
  const makeContainer = async () => {
    const container = await startContainer();
    containers.push(container.child);
    await inside(container.path, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    await inside(container.path, ['ip', 'link', 'set', 'peer0', 'up']);
    return container.path;
  };

  /**
   * The same lines through the forwarder's child in one container and a real `ip -batch -` in a twin, each
   * container first given the same `prepare` by hand.
   */
  const runBoth = async ({
    lines,
    prepare = async () => undefined,
  }: {
    lines: string[];
    prepare?: (path: string) => Promise<unknown>;
  }) => {
    const [forwarded, twin] = [await makeContainer(), await makeContainer()];
    await prepare(forwarded);
    await prepare(twin);
    batch = `${lines.join('\n')}\n`;
    helperOutput = new Promise((resolve) => {
      settle = resolve;
    });
    const childOutput = await new Promise<string>((resolve) => {
      const child = execFile(
        plugin,
        [],
        {
          env: {
            PATH: '/usr/bin:/bin',
            CNI_COMMAND: 'ADD',
            CNI_CONTAINERID: 'c1',
            CNI_NETNS: forwarded,
            CNI_IFNAME: 'eth0',
            CNI_PATH: '/opt/cni/bin',
          },
        },
        (_error, stdout) => resolve(stdout),
      );
      child.stdin?.end(
        JSON.stringify({ cniVersion: '1.0.0', name: 'kudo', type: 'kudo', agentSocket: socket }),
      );
    });
    const ip = await inside(twin, ['ip', '-batch', '-'], batch);
    return { forwarded, twin, childOutput, ipOutput: `${ip.stdout}${ip.stderr}` };
  };

  const containerSide = [
    'link set lo up',
    'addr flush dev eth0',
    'addr add 10.250.0.130/24 dev eth0',
    'link set eth0 up',
    'route replace default via 10.250.0.1 dev eth0',
    'link show dev lo',
  ];

  it('gives the container the address, links and default route ip gives, and says every line succeeded', async () => {
    const { forwarded, twin, childOutput } = await runBoth({ lines: containerSide });
    expect(childOutput).toMatch(/^\d+: lo: /m);
    expect(await describeNetwork(forwarded)).toEqual(await describeNetwork(twin));
    expect(JSON.stringify(await describeNetwork(forwarded))).toContain('10.250.0.130');
  });

  it('flushes the addresses the interface had, as ip does', async () => {
    const { forwarded, twin } = await runBoth({
      lines: ['addr add 10.9.0.2/24 dev eth0', 'addr add 10.9.0.3/24 dev eth0', ...containerSide],
    });
    expect(await describeNetwork(forwarded)).toEqual(await describeNetwork(twin));
    expect(JSON.stringify(await describeNetwork(forwarded))).not.toContain('10.9.0.');
  });

  it('flushes more addresses than one dump keeps (32), as ip does', async () => {
    // Made by hand: a batch that long would go to the real ip.
    const many = Array.from({ length: 40 }, (_, index) => `addr add 10.9.1.${index + 1}/32 dev eth0`);
    const { forwarded, twin, childOutput, ipOutput } = await runBoth({
      lines: containerSide,
      prepare: (path) => inside(path, ['ip', '-batch', '-'], `${many.join('\n')}\n`),
    });
    expect(childOutput).not.toContain('Command failed');
    expect(ipOutput).not.toContain('Command failed');
    expect(await describeNetwork(forwarded)).toEqual(await describeNetwork(twin));
    expect(JSON.stringify(await describeNetwork(forwarded))).not.toContain('10.9.1.');
  });

  it("stops at a failing line with ip's words for it, and runs none after it", async () => {
    const lines = [
      'addr add 10.9.0.2/24 dev eth0',
      'addr add 10.9.0.2/24 dev eth0',
      'link set eth0 up',
      'link show dev lo',
    ];
    const { forwarded, twin, childOutput, ipOutput } = await runBoth({ lines });
    expect(childOutput).toBe(ipOutput);
    expect(childOutput).toContain('Command failed -:2');
    expect(await describeNetwork(forwarded)).toEqual(await describeNetwork(twin));
  });

  it('names a missing device as ip does', async () => {
    for (const line of ['addr flush dev nope0', 'addr add 10.9.0.2/24 dev nope0', 'link set nope0 up']) {
      const { childOutput, ipOutput } = await runBoth({ lines: [line, 'link show dev lo'] });
      expect(childOutput).toBe(ipOutput);
      expect(childOutput).toContain('nope0');
    }
  });

  it('gives a batch with a line it does not know to the real ip (the fallback)', async () => {
    const { forwarded, twin, childOutput } = await runBoth({
      lines: ['link set dev eth0 mtu 1400', 'addr add 10.9.0.2/24 dev eth0', 'link show dev lo'],
    });
    // ip's own line for lo, with its flags.
    expect(childOutput).toMatch(/^1: lo: <LOOPBACK/m);
    expect(await describeNetwork(forwarded)).toEqual(await describeNetwork(twin));
    expect(JSON.stringify(await describeNetwork(forwarded))).toContain('"mtu":1400');
  });
});
