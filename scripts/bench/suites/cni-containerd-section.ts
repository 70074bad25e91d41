import type { LabNode } from '@kudo/netcore/lab';
import type { Check } from '../correctness.js';
import type { BenchOptions } from '../options.js';
import { type CniContainerdResult, runCniContainerd } from './cni-containerd.js';
import { renderCniContainerd } from './cni-containerd-report.js';

/**
 * The containerd section of `npm run bench`: `run` once per bench run on a lab node the other suites have
 * left as found (a crash becomes a failed check, the other sections still run), and `render` for the report.
 */
export const createCniContainerdSection = ({
  options,
  labPrefix,
  isStopping,
}: {
  options: BenchOptions;
  labPrefix: string;
  isStopping: () => boolean;
}) => {
  const results: CniContainerdResult[] = [];
  const checks: Check[] = [];
  return {
    checks,
    run: async ({ node }: { node: LabNode | undefined }) => {
      if (!node || isStopping()) return;
      console.log('- containerd: ctr run --cni with kudo and with the reference chain');
      try {
        const result = await runCniContainerd({
          node,
          labPrefix,
          iterations: options.isQuick ? 3 : 10,
          isStopping,
        });
        results.push(result);
        checks.push(...result.checks);
      } catch (error) {
        if (isStopping()) return;
        console.error(
          `  containerd failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
        );
        checks.push({
          scope: 'containerd',
          label: 'containerd completes',
          isOk: false,
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    },
    render: () => renderCniContainerd({ results }),
  };
};
