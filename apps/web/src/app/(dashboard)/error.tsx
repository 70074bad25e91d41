'use client';

import { Button } from '../../components/ui/button';
import { Notice } from '../../components/ui/notice';

/** A page that failed to render: what went wrong, and a way to try again without reloading the app. */
export default function DashboardError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="stack">
      <Notice tone="error" title="This page could not be shown">
        <div>{error.message}</div>
        {error.digest ? <div className="meta">reference {error.digest} (in the server log)</div> : null}
      </Notice>
      <div>
        <Button variant="primary" onClick={reset}>
          Try again
        </Button>
      </div>
    </div>
  );
}
