import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `held-change.ts` (a control-plane process making one change) until it holds `heldOperation`, then
 * SIGKILLs it: the control plane dies in the middle of the change. `replica` makes the process a replica
 * with a lease of its own (see held-change.ts); `whileHeld` runs while it is alive and holding, before the kill.
 */
export const crashDuring = ({
  databaseUrl,
  heldOperation,
  change,
  input,
  replica,
  whileHeld = async () => {},
}: {
  databaseUrl: string;
  heldOperation: 'setupNode' | 'newNodeInCluster' | 'setupInstance' | 'cleanInstance';
  change: 'node.add' | 'instance.create' | 'instance.delete';
  input: Record<string, unknown>;
  replica?: { replicaId: string; ttlMs: number };
  whileHeld?: () => Promise<void>;
}) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'held-change.ts'),
        ...[databaseUrl, heldOperation, change, JSON.stringify(input)],
        ...(replica ? [JSON.stringify(replica)] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let isHeld = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (isHeld || !output.includes('"held"')) return;
      isHeld = true;
      whileHeld().then(
        () => child.kill('SIGKILL'),
        (error: unknown) => {
          child.kill('SIGKILL');
          reject(error);
        },
      );
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(output) : reject(new Error(`the process ended by itself: ${output}`)),
    );
  });
