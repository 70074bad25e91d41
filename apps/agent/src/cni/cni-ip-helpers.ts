import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { type Command, type CommandRunner, formatCommand, NetcoreError } from '@kudo/netcore';

/**
 * Helpers the native forwarder lends for an ADD, already inside the container's namespace (see
 * apps/cni/native/kudo.c): each runs the `ip` batch lines written on its connection to the CNI socket and
 * answers as `ip -batch -` does (the container side's lines itself over rtnetlink, any other batch through
 * a real `ip`). Without one, the
 * container side's batch costs netcore a process started through `nsenter --net=PATH` (4-7 ms per ADD
 * here); the forwarder's child starts while the ADD request is under way and is ready by the time the
 * batch comes. The runner netcore is given (`wrapRunner`) sends a runtime's namespace batch to such a
 * helper when the ADD being served announced one for that namespace, and to the usual runner otherwise.
 */
type Helper = { socket: Socket; pid: number; netnsPath: string; isUsed: boolean };

/** An ADD that lends a helper, known by its forwarder's pid (the helper's parent). */
type Expectation = {
  forwarderPid: number;
  netnsPath: string;
  arrived: Promise<Helper | undefined>;
  settle: (helper: Helper | undefined) => void;
};

/**
 * A helper that never gets work is closed after this long (its forwarder's request failed), and an ADD
 * waits at most this long for the helper it announced (a child that could not even connect).
 */
const unclaimedMs = 2000;

/** How long a batch may take on a helper before it is given up (its `ip` is then closed). */
const batchTimeoutMs = 30_000;

/** Whether the helper's process is in the namespace the runtime named (same nsfs inode). */
const isInNamespace = ({ pid, netnsPath }: { pid: number; netnsPath: string }) => {
  try {
    const helper = statSync(`/proc/${pid}/ns/net`);
    const named = statSync(netnsPath);
    return helper.ino === named.ino && helper.dev === named.dev;
  } catch {
    return false;
  }
};

/**
 * A batch that names another namespace (`... netns NODE`) is left to the usual runner: the helper runs in
 * the runtime's mount namespace, where that name may not resolve (a containerd with its own /run).
 */
const namesNamespace = ({ input = '' }: Command) => /(^|\s)netns\s/m.test(input);

/** The batch's last line: its output says that every line before it succeeded (`-batch` stops at a failure). */
const sentinel = 'link show dev lo';
const sentinelOutput = /^\d+: lo: /m;

/** Writes the lines and ends the input; resolves with everything `ip` wrote once it has ended. */
const runOnHelper = ({ helper, input }: { helper: Helper; input: string }) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      helper.socket.destroy();
      reject(new Error(`the ip helper did not end within ${batchTimeoutMs} ms`));
    }, batchTimeoutMs);
    helper.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    helper.socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    helper.socket.once('error', () => undefined);
    helper.socket.end(`${input.trimEnd()}\n${sentinel}\n`);
  });

export const createCniIpHelpers = () => {
  // By forwarder pid: helpers that came before their ADD was read, the ADDs being served, and the ADDs
  // answered already (a refusal can come before the helper is accepted).
  const arrivedUnclaimed = new Map<number, Helper>();
  const expectations = new Map<number, Expectation>();
  const released = new Set<number>();

  /** A connection from a forwarder's child (`GET /ip-helper`, upgraded): kept for the ADD that lends it. */
  const accept = ({
    socket,
    pid,
    forwarderPid,
    netnsPath,
  }: {
    socket: Socket;
    pid: number;
    forwarderPid: number;
    netnsPath: string;
  }) => {
    const helper: Helper = { socket, pid, netnsPath, isUsed: false };
    socket.on('error', () => undefined);
    if (released.has(forwarderPid)) {
      socket.destroy();
      return;
    }
    const expectation = expectations.get(forwarderPid);
    if (expectation) {
      expectation.settle(helper);
      return;
    }
    arrivedUnclaimed.set(forwarderPid, helper);
    socket.once('close', () => arrivedUnclaimed.delete(forwarderPid));
    setTimeout(() => {
      if (arrivedUnclaimed.get(forwarderPid) === helper) socket.destroy();
    }, unclaimedMs).unref();
  };

  /**
   * The ADD being served lends a helper in `netnsPath` (`kudo-lends-ip: FORWARDER_PID`); `release` (when the
   * ADD has its answer) closes it, used or not, so its `ip` ends.
   */
  const expect = ({ forwarderPid, netnsPath }: { forwarderPid: number; netnsPath: string }) => {
    let settle: (helper: Helper | undefined) => void = () => undefined;
    const arrived = new Promise<Helper | undefined>((resolve) => {
      settle = resolve;
    });
    const early = arrivedUnclaimed.get(forwarderPid);
    arrivedUnclaimed.delete(forwarderPid);
    if (early) settle(early);
    const timer = setTimeout(() => settle(undefined), unclaimedMs);
    timer.unref();
    expectations.set(forwarderPid, { forwarderPid, netnsPath, arrived, settle });
    return {
      release: async () => {
        expectations.delete(forwarderPid);
        clearTimeout(timer);
        released.add(forwarderPid);
        setTimeout(() => released.delete(forwarderPid), unclaimedMs).unref();
        settle(undefined);
        (await arrived)?.socket.destroy();
      },
    };
  };

  /** An unused helper, announced for that namespace and really in it, once it has connected. */
  const take = async (netnsPath: string) => {
    for (const expectation of expectations.values()) {
      if (expectation.netnsPath !== netnsPath) continue;
      const helper = await expectation.arrived;
      if (!helper || helper.isUsed || helper.socket.destroyed) continue;
      helper.isUsed = true;
      // The runtime's path and the helper's own claim must both name the namespace it is in.
      if (helper.netnsPath === netnsPath && isInNamespace(helper)) return helper;
      helper.socket.destroy();
    }
    return undefined;
  };

  /** `runner` with a runtime's namespace batch (`ip-batch` with `netnsPath`) sent to a helper when one is there. */
  const wrapRunner = (runner: CommandRunner): CommandRunner => ({
    ...runner,
    run: async (command: Command) => {
      if (command.kind !== 'ip-batch' || command.netnsPath === undefined || namesNamespace(command))
        return runner.run(command);
      const helper = await take(command.netnsPath);
      if (!helper) return runner.run(command);
      const output = await runOnHelper({ helper, input: command.input ?? '' });
      if (sentinelOutput.test(output)) return { stdout: '', stderr: '' };
      throw new NetcoreError({
        code: 'COMMAND_FAILED',
        reason: `${formatCommand(command)} failed: ${output.replace(sentinelOutput, '').trim() || 'the ip helper ended without an answer'}`,
        command: formatCommand(command),
      });
    },
  });

  return { accept, expect, wrapRunner };
};

export type CniIpHelpers = ReturnType<typeof createCniIpHelpers>;
