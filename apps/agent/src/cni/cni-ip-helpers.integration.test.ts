import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, CommandRunner } from '@kudo/netcore';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCniIpHelpers } from './cni-ip-helpers.js';

/**
 * The agent's side of the `ip` a forwarder lends (cni-ip-helpers.ts), against a real `ip -batch -` in a lab
 * namespace whose standard streams are a connection to a socket, as the forwarder's child has them.
 */
describeWithNamespaces("ip helpers lent by the forwarder in a runtime's namespace", () => {
  const lab = useTestLab({ nodeCount: 1 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const netnsPath = () => `/run/netns/${namespace()}`;
  let directory = '';
  let socketPath = '';
  const server = createServer();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-ip-helper-test-'));
    socketPath = join(directory, 'helpers.sock');
    server.listen(socketPath);
    await once(server, 'listening');
  });
  afterAll(async () => {
    server.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** `ip -batch -` entered into the lab namespace, on a connection; the agent's end of it, and its pid. */
  const lendIp = async () => {
    const arrival = once(server, 'connection') as Promise<[Socket]>;
    const client = createConnection(socketPath);
    await once(client, 'connect');
    const [agentEnd] = await arrival;
    const child = spawn('nsenter', [`--net=${netnsPath()}`, '--', 'ip', '-batch', '-'], {
      stdio: [client, client, client],
    });
    client.destroy();
    const { pid } = child;
    if (pid === undefined) throw new Error('no helper');
    // As the forwarder's child, it is announced once inside (nsenter enters, then becomes ip).
    const isInside = () => statSync(`/proc/${pid}/ns/net`).ino === statSync(netnsPath()).ino;
    while (!isInside()) await new Promise((resolve) => setImmediate(resolve));
    const exited = once(child, 'exit');
    return { socket: agentEnd, pid, exited };
  };

  /** A runner that records what reaches it instead of running it. */
  const recordingRunner = () => {
    const received: Command[] = [];
    const runner: CommandRunner = {
      run: async (command) => {
        received.push(command);
        return { stdout: '', stderr: '' };
      },
    };
    return { runner, received };
  };

  const batch = (lines: string[]): Command => ({
    kind: 'ip-batch',
    netnsPath: netnsPath(),
    file: 'ip',
    args: ['-batch', '-'],
    input: `${lines.join('\n')}\n`,
  });

  it('runs the batch of the announced namespace on the lent ip, not through the usual runner', async () => {
    const helpers = createCniIpHelpers();
    const { runner, received } = recordingRunner();
    const lent = await lendIp();
    helpers.accept({ socket: lent.socket, pid: lent.pid, forwarderPid: process.pid, netnsPath: netnsPath() });
    const expectation = helpers.expect({ forwarderPid: process.pid, netnsPath: netnsPath() });
    await helpers
      .wrapRunner(runner)
      .run(batch(['link add kudo-helper0 type veth peer name kudo-helper0p', 'link set kudo-helper0 up']));
    await expectation.release();
    await lent.exited;
    expect(received).toEqual([]);
    expect(
      await runIn({ namespace: namespace(), command: ['ip', '-br', 'link', 'show', 'kudo-helper0'] }),
    ).toContain('kudo-helper0');
    await runIn({ namespace: namespace(), command: ['ip', 'link', 'del', 'kudo-helper0'] });
  });

  it("reports the failing line with the kernel's reason and runs none after it", async () => {
    const helpers = createCniIpHelpers();
    const { runner } = recordingRunner();
    const lent = await lendIp();
    const expectation = helpers.expect({ forwarderPid: process.pid, netnsPath: netnsPath() });
    helpers.accept({ socket: lent.socket, pid: lent.pid, forwarderPid: process.pid, netnsPath: netnsPath() });
    await expect(
      helpers
        .wrapRunner(runner)
        .run(
          batch([
            'link add lo type veth peer name kudo-helper2',
            'link add kudo-helper1 type veth peer name kudo-helper1p',
          ]),
        ),
    ).rejects.toMatchObject({ code: 'COMMAND_FAILED', reason: expect.stringContaining('File exists') });
    await expectation.release();
    await lent.exited;
    expect(await runIn({ namespace: namespace(), command: ['ip', '-br', 'link'] })).not.toContain(
      'kudo-helper1',
    );
  });

  it('leaves to the usual runner a batch without a helper, one naming another namespace, and a helper elsewhere', async () => {
    const helpers = createCniIpHelpers();
    const { runner, received } = recordingRunner();
    const wrapped = helpers.wrapRunner(runner);
    await wrapped.run(batch(['link set lo up']));
    const lent = await lendIp();
    helpers.accept({ socket: lent.socket, pid: lent.pid, forwarderPid: process.pid, netnsPath: netnsPath() });
    const expectation = helpers.expect({ forwarderPid: process.pid, netnsPath: netnsPath() });
    await wrapped.run(batch(['link add a type veth peer name b netns elsewhere']));
    await wrapped.run({ ...batch(['link set lo up']), netnsPath: '/proc/1/ns/net' });
    await expectation.release();
    await lent.exited;
    expect(received).toHaveLength(3);
  });

  it('refuses a helper that is not in the namespace it claims, and closes it', async () => {
    const helpers = createCniIpHelpers();
    const { runner, received } = recordingRunner();
    const lent = await lendIp();
    const claimed = '/proc/1/ns/net';
    helpers.accept({ socket: lent.socket, pid: lent.pid, forwarderPid: process.pid, netnsPath: claimed });
    const expectation = helpers.expect({ forwarderPid: process.pid, netnsPath: claimed });
    await helpers.wrapRunner(runner).run({ ...batch(['link set lo up']), netnsPath: claimed });
    await lent.exited;
    await expectation.release();
    expect(received).toHaveLength(1);
  });
});
