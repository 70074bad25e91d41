'use client';

import type { UseFormRegisterReturn } from 'react-hook-form';
import { Button } from '../ui/button';
import { FieldMessage } from '../ui/field';
import { PlusIcon, TrashIcon } from '../ui/icons';
import { emptyPortDraft, type PortDraft } from './form-schemas';

export type PortFieldName = `ports.${number}.${keyof PortDraft}`;

/**
 * Rows of host port → instance port / protocol (a react-hook-form field array named `ports`). Each
 * row's problem shows under it and marks its input; a problem of the whole list under the editor.
 */
export const PortEditor = ({
  ports: { fields: rows, append, remove },
  register,
  errorOf,
}: {
  /** The form's `useFieldArray` of `ports`. */
  ports: {
    fields: readonly { id: string }[];
    append: (row: PortDraft) => void;
    remove: (index: number) => void;
  };
  register: (name: PortFieldName) => UseFormRegisterReturn;
  errorOf: (name: string) => string | undefined;
}) => {
  return (
    <div className="field">
      <span className="field-label">Port mappings</span>
      <div className="port-rows" data-testid="port-editor">
        {rows.map((row, index) => {
          const hostError = errorOf(`ports.${index}.hostPort`);
          const instanceError = errorOf(`ports.${index}.instancePort`);
          const rowError = hostError ?? instanceError ?? errorOf(`ports.${index}`);
          const label = hostError ? 'host port' : instanceError ? 'instance port' : 'mapping';
          return (
            <div key={row.id} className="port-row-wrap">
              <div className="port-row">
                <input
                  className="input mono"
                  inputMode="numeric"
                  placeholder="host port"
                  aria-label={`Host port of mapping ${index + 1}`}
                  aria-invalid={Boolean(hostError ?? errorOf(`ports.${index}`))}
                  data-testid="host-port"
                  {...register(`ports.${index}.hostPort`)}
                />
                <span className="arrow">→</span>
                <input
                  className="input mono"
                  inputMode="numeric"
                  placeholder="instance port"
                  aria-label={`Instance port of mapping ${index + 1}`}
                  aria-invalid={Boolean(instanceError)}
                  data-testid="instance-port"
                  {...register(`ports.${index}.instancePort`)}
                />
                <select
                  className="select"
                  aria-label={`Protocol of mapping ${index + 1}`}
                  {...register(`ports.${index}.protocol`)}
                >
                  <option value="tcp">tcp</option>
                  <option value="udp">udp</option>
                </select>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Remove mapping ${index + 1}`}
                  icon={<TrashIcon />}
                  onClick={() => remove(index)}
                />
              </div>
              {rowError ? (
                <div className="field-error" role="alert" data-testid="port-row-error">
                  {rowError.startsWith(label) ? rowError : `${label} ${rowError}`}
                </div>
              ) : null}
            </div>
          );
        })}
      </div>
      <div>
        <Button size="sm" icon={<PlusIcon />} onClick={() => append(emptyPortDraft)} data-testid="add-port">
          Add a mapping
        </Button>
      </div>
      <FieldMessage
        error={errorOf('ports')}
        hint="A host port of the node (on its external address) reaches the instance port."
      />
    </div>
  );
};
