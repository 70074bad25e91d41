'use client';

import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import { toLiveStatus, useLiveUpdates } from '../../client/live-updates';
import { useTRPC } from '../../client/trpc';
import { applyOperationUpdate, emptyOperationsState } from './operations-state';

/**
 * The cluster's operations as they run (`event.operations`), while live updates are on. Pausing stops the
 * stream and keeps what is shown; resuming starts from what the server has now (it sends every operation
 * it keeps first), so nothing stale stays marked as running.
 */
export const useOperations = () => {
  const trpc = useTRPC();
  const { isPaused } = useLiveUpdates();
  const [state, setState] = useState(emptyOperationsState);

  useEffect(() => {
    if (!isPaused) setState(emptyOperationsState);
  }, [isPaused]);

  const subscription = useSubscription(
    trpc.event.operations.subscriptionOptions(undefined, {
      enabled: !isPaused,
      onData: ({ id, data }) =>
        setState((current) => applyOperationUpdate({ state: current, id, operation: data })),
    }),
  );

  const status = toLiveStatus({ isPaused, subscriptionStatus: subscription.status });
  return { operations: state.byKey, status } as const;
};

/** The current time, every `intervalMs` while `isTicking` (for elapsed times). */
export const useNow = ({ isTicking, intervalMs = 1_000 }: { isTicking: boolean; intervalMs?: number }) => {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isTicking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [isTicking, intervalMs]);
  return now;
};
