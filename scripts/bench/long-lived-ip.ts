import { spawn } from 'node:child_process';

const acknowledgement = 'link show dev lo';
const isAcknowledged = (stdout: string) => /(^|\n)1: lo: .*\n$/.test(stdout);
const timeoutMs = 10_000;

type Pending = {
  resolve: (output: { stdout: string; stderr: string }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
};

/**
 * One `ip -n NS -o -force -batch -` process kept open: commands are written to its standard input and a
 * `link show dev lo` after them serves as the acknowledgement (ip answers each line as it comes; a failed
 * line prints `Command failed -:LINE` on stderr). Used by the probes to price what a process per step costs.
 */
export const startLongLivedIp = ({ namespace }: { namespace: string }) => {
  const child = spawn('ip', ['-n', namespace, '-o', '-force', '-batch', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending: Pending | undefined;
  const settle = (outcome: { output: { stdout: string; stderr: string } } | { error: Error }) => {
    const current = pending;
    if (!current) return;
    pending = undefined;
    clearTimeout(current.timer);
    if ('error' in outcome) current.reject(outcome.error);
    else current.resolve(outcome.output);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!pending || !isAcknowledged(stdout)) return;
    const output = { stdout: stdout.replace(/1: lo: .*\n$/, ''), stderr };
    stdout = '';
    stderr = '';
    settle({ output });
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code) => {
      settle({ error: new Error(`ip in ${namespace} exited (${code}): ${stderr.trim()}`) });
      resolve();
    }),
  );
  child.once('error', (error) => settle({ error }));
  return {
    /** Runs the lines in order; resolves with what they printed once ip has answered all of them. */
    run: (lines: readonly string[]) =>
      new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        if (pending) return reject(new Error('one batch at a time'));
        if (child.exitCode !== null) return reject(new Error(`ip in ${namespace} has exited`));
        const timer = setTimeout(
          () => settle({ error: new Error(`ip in ${namespace} did not answer within ${timeoutMs} ms`) }),
          timeoutMs,
        );
        pending = { resolve, reject, timer };
        child.stdin.write(`${[...lines, acknowledgement].join('\n')}\n`);
      }),
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
};
