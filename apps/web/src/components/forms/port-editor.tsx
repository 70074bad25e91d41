'use client';

import { Button } from '../ui/button';
import { PlusIcon, TrashIcon } from '../ui/icons';
import type { PortDraft } from './validate';

/** Rows of host port → instance port / protocol; the row and field at fault are marked. */
export const PortEditor = ({
  ports,
  onChange,
  error,
}: {
  ports: PortDraft[];
  onChange: (ports: PortDraft[]) => void;
  error?: { field?: string; message: string };
}) => {
  const update = (index: number, patch: Partial<PortDraft>) =>
    onChange(ports.map((port, at) => (at === index ? { ...port, ...patch } : port)));
  const isInvalid = (index: number, key: string) =>
    error?.field === `ports.${index}.${key}` || error?.field === `ports.${index}` || error?.field === 'ports';
  return (
    <div className="field">
      <span className="field-label">Port mappings</span>
      <div className="port-rows" data-testid="port-editor">
        {ports.map((port, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
          <div key={index} className="port-row">
            <input
              className="input mono"
              inputMode="numeric"
              placeholder="host port"
              aria-label={`Host port of mapping ${index + 1}`}
              value={port.hostPort}
              onChange={(event) => update(index, { hostPort: event.target.value })}
              aria-invalid={isInvalid(index, 'hostPort')}
              data-testid="host-port"
            />
            <span className="arrow">→</span>
            <input
              className="input mono"
              inputMode="numeric"
              placeholder="instance port"
              aria-label={`Instance port of mapping ${index + 1}`}
              value={port.instancePort}
              onChange={(event) => update(index, { instancePort: event.target.value })}
              aria-invalid={isInvalid(index, 'instancePort')}
              data-testid="instance-port"
            />
            <select
              className="select"
              aria-label={`Protocol of mapping ${index + 1}`}
              value={port.protocol}
              onChange={(event) => update(index, { protocol: event.target.value as PortDraft['protocol'] })}
            >
              <option value="tcp">tcp</option>
              <option value="udp">udp</option>
            </select>
            <Button
              variant="ghost"
              size="sm"
              aria-label={`Remove mapping ${index + 1}`}
              icon={<TrashIcon />}
              onClick={() => onChange(ports.filter((_, at) => at !== index))}
            />
          </div>
        ))}
      </div>
      <div>
        <Button
          size="sm"
          icon={<PlusIcon />}
          onClick={() => onChange([...ports, { hostPort: '', instancePort: '', protocol: 'tcp' }])}
          data-testid="add-port"
        >
          Add a mapping
        </Button>
      </div>
      {error && (error.field?.startsWith('ports') ?? false) ? (
        <div className="field-error" role="alert">
          {error.message}
        </div>
      ) : (
        <div className="field-hint">
          A host port of the node (on its external address) reaches the instance port.
        </div>
      )}
    </div>
  );
};
