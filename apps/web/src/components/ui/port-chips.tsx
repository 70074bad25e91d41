import { formatPort, type PortView } from '../../client/format';

/** An instance's port mappings as chips (`8080→80`, `/udp` when not tcp), and `empty` when it has none. */
export const PortChips = ({ ports, empty }: { ports: readonly PortView[]; empty?: string }) => (
  <div className="row-wrap">
    {ports.map((port) => (
      <span key={`${port.protocol}:${port.hostPort}`} className="chip chip-port">
        {formatPort(port)}
      </span>
    ))}
    {ports.length === 0 && empty ? <span className="subtle">{empty}</span> : null}
  </div>
);
