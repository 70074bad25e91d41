/** How long ago a moment was, in words: `just now`, `3 min ago`, `2 h ago`, or the date. */
export const formatAgo = ({
  at,
  now = Date.now(),
}: {
  at: string | Date | null | undefined;
  now?: number;
}) => {
  if (!at) return 'never';
  const time = new Date(at).getTime();
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
};

export const formatTime = (at: string | Date) =>
  new Date(at).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

export const formatDuration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** A port mapping as the dashboard shows it: a host port reaching an instance port. */
export type PortView = { hostPort: number; instancePort: number; protocol: string };

/** `8080 → 80/tcp` */
export const formatPort = ({ hostPort, instancePort, protocol }: PortView) =>
  `${hostPort} → ${instancePort}/${protocol}`;

/** `8080→80` for TCP (the usual case), `5353→53/udp` otherwise: short enough for two on a tile. */
export const formatPortShort = ({ hostPort, instancePort, protocol }: PortView) =>
  `${hostPort}→${instancePort}${protocol === 'tcp' ? '' : `/${protocol}`}`;

export const pluralize = ({ count, one, many = `${one}s` }: { count: number; one: string; many?: string }) =>
  `${count} ${count === 1 ? one : many}`;
