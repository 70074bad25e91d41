import { AsyncLocalStorage } from 'node:async_hooks';
import type { OperationProgress } from './operation-view.js';

type ReportProgress = (progress: OperationProgress) => void;

/**
 * The control-plane operation the current code runs in (set by runAudited), so that code deep inside it
 * (a re-apply called from a retry, a reboot or a pending change) can report its progress without every
 * caller passing a callback down.
 */
const currentOperation = new AsyncLocalStorage<ReportProgress>();

/** Runs `work` as an operation whose progress goes to `onProgress`. */
export const runReportingProgress = <T>({
  onProgress,
  work,
}: {
  onProgress: ReportProgress;
  work: () => Promise<T>;
}): Promise<T> => currentOperation.run(onProgress, work);

/**
 * Starts counting the steps of a long operation for whoever watches it (the Events page): step 0 of
 * `total` now, one more at each `advance`, each with what was just done or comes next. Outside an
 * operation (a health check's own work) it reports nothing.
 */
export const startProgress = ({ total, what }: { total: number; what: string }) => {
  const report = currentOperation.getStore();
  let step = 0;
  report?.({ step, total, what });
  return {
    advance: ({ what: next }: { what: string }) => {
      step = Math.min(total, step + 1);
      report?.({ step, total, what: next });
    },
  };
};

export type Progress = ReturnType<typeof startProgress>;
