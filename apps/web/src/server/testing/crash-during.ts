import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `held-change.ts` (a control-plane process making one change) until it holds `heldOperation`, then
 * SIGKILLs it: the control plane dies in the middle of the change.
 */
export const crashDuring = ({
  databaseUrl,
  heldOperation,
  change,
  input,
}: {
  databaseUrl: string;
  heldOperation: 'setupNode' | 'newNodeInCluster' | 'setupInstance' | 'cleanInstance';
  change: 'node.add' | 'instance.create' | 'instance.delete';
  input: Record<string, unknown>;
}) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'held-change.ts'),
        ...[databaseUrl, heldOperation, change, JSON.stringify(input)],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"held"')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(output) : reject(new Error(`the process ended by itself: ${output}`)),
    );
  });
