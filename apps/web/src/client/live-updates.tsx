'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useTRPC } from './trpc';

type LiveUpdates = {
  isPaused: boolean;
  setPaused: (isPaused: boolean) => void;
  /** `connecting`, `live`, `paused`, or `error` (the stream reconnects by itself). */
  status: 'connecting' | 'live' | 'paused' | 'error';
};

const LiveUpdatesContext = createContext<LiveUpdates | null>(null);

/**
 * What a live stream's user sees: paused by the user, or the state of its subscription (`pending` is
 * tRPC's word for a subscription that is open and waiting for data).
 */
export const toLiveStatus = ({
  isPaused,
  subscriptionStatus,
}: {
  isPaused: boolean;
  subscriptionStatus: 'idle' | 'connecting' | 'pending' | 'error';
}): LiveUpdates['status'] =>
  isPaused
    ? 'paused'
    : subscriptionStatus === 'pending'
      ? 'live'
      : subscriptionStatus === 'error'
        ? 'error'
        : 'connecting';
const storageKey = 'kudo.live-updates-paused';
/** At most one refresh of the page's data per this interval, however many changes arrive. */
const refreshThrottleMs = 750;

/**
 * Live updates for the whole dashboard: the control plane's change stream (server-sent events) refreshes
 * the data on screen, and a periodic refresh catches what is not a change (agent health, last seen).
 * Pausing stops both; the user's own actions still refresh what they changed.
 */
export const LiveUpdatesProvider = ({ children }: { children: ReactNode }) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isPaused, setPausedState] = useState(false);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    setPausedState(window.localStorage.getItem(storageKey) === 'true');
  }, []);

  const setPaused = useCallback(
    (paused: boolean) => {
      setPausedState(paused);
      window.localStorage.setItem(storageKey, String(paused));
      if (!paused) void queryClient.invalidateQueries();
    },
    [queryClient],
  );

  const scheduleRefresh = useCallback(() => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void queryClient.invalidateQueries();
    }, refreshThrottleMs);
  }, [queryClient]);

  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const subscription = useSubscription(
    trpc.event.live.subscriptionOptions(undefined, {
      enabled: !isPaused,
      onData: () => scheduleRefresh(),
    }),
  );

  const status = toLiveStatus({ isPaused, subscriptionStatus: subscription.status });

  const value = useMemo(() => ({ isPaused, setPaused, status }), [isPaused, setPaused, status]);
  return <LiveUpdatesContext.Provider value={value}>{children}</LiveUpdatesContext.Provider>;
};

export const useLiveUpdates = () => {
  const live = useContext(LiveUpdatesContext);
  if (!live) throw new Error('useLiveUpdates outside LiveUpdatesProvider');
  return live;
};

/** Query options for data that refreshes while live updates run, every `intervalMs`. */
export const useLiveRefresh = (intervalMs = 5_000) => {
  const { isPaused } = useLiveUpdates();
  return { refetchInterval: isPaused ? (false as const) : intervalMs, refetchOnWindowFocus: !isPaused };
};
