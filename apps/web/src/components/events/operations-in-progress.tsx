'use client';

import { useMutationState } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { formatDuration } from '../../client/format';

const describeOperation = (key: unknown, variables: unknown) => {
  const path = Array.isArray(key) && Array.isArray(key[0]) ? (key[0] as string[]).join('.') : 'operation';
  const input = variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : {};
  const target = input.instanceId ?? input.nodeId ?? input.agentUrl ?? '';
  return { path, target: String(target) };
};

/**
 * Changes this browser has asked for and that are still running (adding a node to a big cluster,
 * reconciling, deleting many instances), with how long each has been running.
 */
export const OperationsInProgress = () => {
  const running = useMutationState({
    filters: { status: 'pending' },
    select: (mutation) => ({
      key: mutation.options.mutationKey,
      variables: mutation.state.variables,
      submittedAt: mutation.state.submittedAt,
    }),
  });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (running.length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running.length]);
  if (running.length === 0) return <p className="muted">Nothing running right now.</p>;
  return (
    <ul className="item-list bordered" data-testid="operations-in-progress">
      {running.map((operation) => {
        const { path, target } = describeOperation(operation.key, operation.variables);
        return (
          <li key={`${path}:${operation.submittedAt}`} className="item">
            <span className="timeline-dot running" aria-hidden="true" />
            <div className="item-main">
              <div className="item-title">
                {path} <span className="mono">{target}</span>
              </div>
              <div className="item-detail">
                running for {formatDuration(Math.max(0, now - operation.submittedAt))}
              </div>
            </div>
            <span className="spinner" aria-hidden="true" />
          </li>
        );
      })}
    </ul>
  );
};
