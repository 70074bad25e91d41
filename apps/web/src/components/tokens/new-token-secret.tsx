'use client';

import { useState } from 'react';
import { Button } from '../ui/button';
import { Notice } from '../ui/notice';

/** A token just made: its secret with a copy button, shown this once (only its hash is kept). */
export const NewTokenSecret = ({ name, secret }: { name: string; secret: string }) => {
  const [isCopied, setIsCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(secret);
    setIsCopied(true);
  };
  return (
    <Notice tone="success" title={`Token '${name}' made: copy it now, it is not shown again`}>
      <div className="stack" data-testid="new-token">
        <pre className="mono code-block" data-testid="new-token-secret">
          {secret}
        </pre>
        <div className="row-wrap">
          <Button size="sm" onClick={copy}>
            {isCopied ? 'Copied' : 'Copy token'}
          </Button>
          <span className="cell-sub">
            Send it as <code className="mono">Authorization: Bearer …</code> to /api/trpc (see the README).
          </span>
        </div>
      </div>
    </Notice>
  );
};
