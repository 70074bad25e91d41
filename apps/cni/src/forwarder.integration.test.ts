import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { cniExecPath, readExecEnvironment } from '@kudo/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKudoPlugin } from './testing/build-plugin.js';

type Outcome = { exitCode: number; stdout: string };

/** Runs the native plugin with exactly `env` (and a PATH) and `stdin`, as a runtime would. */
const callPlugin = ({ file, env, stdin }: { file: string; env: Record<string, string>; stdin: string }) =>
  new Promise<Outcome>((resolve) => {
    const child = execFile(
      file,
      [],
      { env: { PATH: '/usr/bin:/bin', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) =>
        resolve({ exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
    );
    child.stdin?.end(stdin);
  });

/** Every variable ADD needs: what the runtime gives. */
const addEnvironment = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/run/netns/c1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * The framing between the native forwarder and the agent (cni-exec.ts), against a stand-in agent on a unix
 * socket that answers what it received: the environment as the agent reads it, the stdin's length and
 * hash, and the exit code the config asks for.
 */
describe('the native kudo forwarder', () => {
  let directory = '';
  let plugin = '';
  let socket = '';
  let server: Server | undefined;
  const requests: { url: string | undefined; method: string | undefined }[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-forwarder-test-'));
    plugin = await buildKudoPlugin({ outfile: join(directory, 'bin', 'kudo') });
    socket = join(directory, 'agent.sock');
    server = createServer(async (req, res) => {
      requests.push({ url: req.url, method: req.method });
      const stdin = await text(req);
      const { exitWith = 0, echo = false } = JSON.parse(stdin) as { exitWith?: number; echo?: boolean };
      const body = JSON.stringify({
        env: readExecEnvironment(req.headers),
        stdinLength: Buffer.byteLength(stdin),
        stdinHash: sha256(stdin),
        ...(echo ? { stdin } : {}),
      });
      res.writeHead(200, { 'cni-exit-code': String(exitWith), 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
  });
  afterAll(async () => {
    try {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    } finally {
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  it('passes set variables as they are, keeps an empty one empty and an absent one absent', async () => {
    const outcome = await callPlugin({
      file: plugin,
      env: {
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'c 1%20é',
        CNI_NETNS: '',
        CNI_ARGS: 'A=1;B=two words\nand a line',
        CNI_PATH: '/opt/cni/bin',
      },
      stdin: JSON.stringify({ cniVersion: '1.0.0', name: 'kudo', type: 'kudo', agentSocket: socket }),
    });
    expect(outcome.exitCode).toBe(0);
    expect(JSON.parse(outcome.stdout).env).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c 1%20é',
      CNI_NETNS: '',
      CNI_ARGS: 'A=1;B=two words\nand a line',
      CNI_PATH: '/opt/cni/bin',
    });
    expect(requests.at(-1)).toEqual({ url: cniExecPath, method: 'POST' });
  });

  it('forwards a large config byte for byte and writes a large answer whole, with its exit code', async () => {
    const stdin = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'kudo',
      type: 'kudo',
      padding: 'x'.repeat(3 * 1024 * 1024),
      nested: { agentSocket: '/elsewhere.sock', list: [1, -2.5e3, true, null, 'é\\"'] },
      agentSocket: socket,
      exitWith: 7,
      echo: true,
    });
    const outcome = await callPlugin({ file: plugin, env: { CNI_COMMAND: 'DEL' }, stdin });
    expect(outcome.exitCode).toBe(7);
    const answer = JSON.parse(outcome.stdout) as { stdinLength: number; stdinHash: string; stdin: string };
    expect(answer.stdinLength).toBe(Buffer.byteLength(stdin));
    expect(answer.stdinHash).toBe(sha256(stdin));
    expect(answer.stdin).toBe(stdin);
  });

  it('answers VERSION without an agent', async () => {
    const outcome = await callPlugin({
      file: plugin,
      env: { CNI_COMMAND: 'VERSION' },
      stdin: JSON.stringify({ cniVersion: '0.3.1', agentSocket: join(directory, 'none.sock') }),
    });
    expect(outcome.exitCode).toBe(0);
    expect(JSON.parse(outcome.stdout)).toEqual({
      cniVersion: '0.3.1',
      supportedVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  it('gives the error JSON when the agent is down: 50 for STATUS, 11 else, 6 for a config that is not JSON', async () => {
    const down = (cniVersion: string) =>
      JSON.stringify({ cniVersion, name: 'kudo', type: 'kudo', agentSocket: join(directory, 'none.sock') });
    const status = await callPlugin({ file: plugin, env: { CNI_COMMAND: 'STATUS' }, stdin: down('1.1.0') });
    expect(status.exitCode).not.toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      cniVersion: '1.1.0',
      code: 50,
      msg: expect.stringContaining('the Kudo agent cannot be reached'),
    });
    const add = await callPlugin({ file: plugin, env: addEnvironment, stdin: down('0.4.0') });
    expect(add.exitCode).not.toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ cniVersion: '0.4.0', code: 11 });
    const garbled = await callPlugin({
      file: plugin,
      env: addEnvironment,
      stdin: `{"agentSocket":"${join(directory, 'none.sock')}",`,
    });
    expect(garbled.exitCode).not.toBe(0);
    expect(JSON.parse(garbled.stdout)).toMatchObject({ cniVersion: '1.1.0', code: 6 });
  });

  it('with the agent down, names the missing variables a command needs (code 4, as the agent says), not 11', async () => {
    const stdin = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'kudo',
      type: 'kudo',
      agentSocket: join(directory, 'none.sock'),
    });
    const cases: { env: Record<string, string>; msg: string }[] = [
      {
        env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '', CNI_PATH: '/opt/cni/bin' },
        msg: 'missing environment variables: CNI_NETNS, CNI_IFNAME',
      },
      {
        env: { CNI_COMMAND: 'DEL', CNI_IFNAME: 'eth0' },
        msg: 'missing environment variables: CNI_CONTAINERID, CNI_PATH',
      },
      {
        env: { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c1', CNI_NETNS: '/n', CNI_IFNAME: 'eth0' },
        msg: 'missing environment variables: CNI_PATH',
      },
      { env: { CNI_COMMAND: 'GC' }, msg: 'missing environment variables: CNI_PATH' },
      { env: {}, msg: 'missing environment variables: CNI_COMMAND' },
      {
        env: { CNI_COMMAND: 'ATTACH' },
        msg: "CNI_COMMAND: unknown command 'ATTACH' (one of ADD, DEL, VERSION, CHECK, GC, STATUS)",
      },
    ];
    for (const { env, msg } of cases) {
      const outcome = await callPlugin({ file: plugin, env, stdin });
      expect(outcome.exitCode).not.toBe(0);
      expect(JSON.parse(outcome.stdout)).toEqual({ cniVersion: '1.0.0', code: 4, msg });
    }
  });
});
