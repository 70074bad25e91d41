/**
 * Teardown steps of a test fixture: `run()` runs every step, the last added first, each one even after
 * another failed, then reports every failure at once. So a fixture's namespaces go even when the test's
 * own steps (servers, relays, spawned processes) fail to stop.
 */
export const createCleanupSteps = () => {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    add: (step: () => Promise<unknown>) => {
      steps.push(step);
    },
    run: async () => {
      const failures: unknown[] = [];
      for (const step of steps.splice(0).reverse())
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      if (failures.length > 0) throw new AggregateError(failures, 'cleaning up the test cluster failed');
    },
  };
};
