import type { LabNode } from '@kudo/netcore/lab';
import type { Check } from '../correctness.js';
import type { BenchOptions } from '../options.js';
import {
  type ControlPlaneResult,
  planControlPlaneBench,
  prepareControlPlaneBench,
  runControlPlane,
} from './control-plane.js';
import { renderControlPlane } from './control-plane-report.js';

/**
 * The "through the control plane" section of `npm run bench`: builds what it runs (the dashboard, the
 * packaged agent) before anything is timed, then `run` once per bench run (a crash becomes a failed check,
 * the other sections still run), and `render` for the report.
 */
export const runControlPlaneSection = async ({
  options,
  labPrefix,
  isStopping,
}: {
  options: BenchOptions;
  labPrefix: string;
  isStopping: () => boolean;
}) => {
  const plan = planControlPlaneBench({ isQuick: options.isQuick });
  const results: ControlPlaneResult[] = [];
  const checks: Check[] = [];
  const fail = (error: unknown) => {
    console.error(
      `  control plane failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    checks.push({
      scope: 'control plane',
      label: 'control plane completes',
      isOk: false,
      detail: error instanceof Error ? error.message : String(error),
    });
  };
  const prepared = await prepareControlPlaneBench().then(
    () => true,
    (error: unknown) => {
      fail(error);
      return false;
    },
  );
  return {
    checks,
    run: async ({ peerNode }: { peerNode: LabNode | undefined }) => {
      if (!prepared || !peerNode || isStopping()) return;
      console.log(`- through the control plane: ${plan.clients} clients, 3 nodes`);
      try {
        const result = await runControlPlane({ labPrefix, peerNode, plan });
        results.push(result);
        const calls = [
          result.serialCreate,
          result.serialDelete,
          result.concurrentCreate,
          result.concurrentDelete,
        ];
        const failed = calls.reduce((total, { failures }) => total + failures.count, 0);
        checks.push({
          scope: 'control plane',
          label: 'every creation and deletion through the control plane succeeds',
          isOk: failed === 0,
          detail:
            failed === 0
              ? 'all succeeded'
              : `${failed} failed: ${calls
                  .flatMap(({ failures }) => failures.examples)
                  .slice(0, 3)
                  .join('; ')}`,
        });
      } catch (error) {
        if (!isStopping()) fail(error);
      }
    },
    render: () => renderControlPlane({ results, plan }),
  };
};
