'use client';

import { useState } from 'react';
import { Button } from '../ui/button';

/** What to run on the new machine, as root: the agent joins with the token and checks the CA by its hash. */
export const formatJoinCommand = ({
  server,
  token,
  caHash,
}: {
  server: string;
  token: string;
  caHash: string;
}) => `node kudo-agent.mjs join --server ${server} --token ${token} --ca-hash ${caHash}`;

/** The join command of a token just made, with a copy button: the token is shown this once. */
export const JoinCommand = ({ token, caHash }: { token: string; caHash: string }) => {
  const [isCopied, setIsCopied] = useState(false);
  // The dashboard's own address is how machines reach the control plane (served over HTTPS there).
  const server = typeof window === 'undefined' ? 'https://CONTROL-PLANE:PORT' : window.location.origin;
  const command = formatJoinCommand({ server, token, caHash });
  const copy = async () => {
    await navigator.clipboard.writeText(command);
    setIsCopied(true);
  };
  return (
    <div className="stack" data-testid="join-command">
      <p>
        Run this on the new machine, as root. The token works once, and is not shown again; the CA hash lets
        the agent check it is talking to this control plane.
      </p>
      <pre className="mono code-block">{command}</pre>
      <div className="row-wrap">
        <Button size="sm" onClick={copy}>
          {isCopied ? 'Copied' : 'Copy command'}
        </Button>
        {server.startsWith('http://') ? (
          <span className="cell-sub">
            This dashboard is served over plain HTTP: machines join over HTTPS (see docs/install.md).
          </span>
        ) : null}
      </div>
    </div>
  );
};
