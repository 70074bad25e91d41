import { NetcoreError } from '../errors.js';

type UndoStep = { description: string; run: () => Promise<void> };

/**
 * Records how to undo each step of an operation; on failure the steps are undone in reverse order and
 * the original error is thrown, with any rollback failure named in it.
 */
export const createUndoStack = () => {
  const steps: UndoStep[] = [];
  return {
    push: (description: string, run: () => Promise<void>) => {
      steps.push({ description, run });
    },
    /** Runs `work`; if it throws, rolls back and rethrows. */
    guard: async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        const failures: string[] = [];
        for (const step of steps.reverse()) {
          try {
            await step.run();
          } catch (undoError) {
            failures.push(
              `${step.description}: ${undoError instanceof Error ? undoError.message : String(undoError)}`,
            );
          }
        }
        if (failures.length === 0 || !(error instanceof NetcoreError)) throw error;
        throw new NetcoreError({
          code: error.code,
          field: error.field,
          reason: `${error.reason} (rollback incomplete: ${failures.join('; ')})`,
          command: error.command,
          cause: error,
        });
      }
    },
  };
};
