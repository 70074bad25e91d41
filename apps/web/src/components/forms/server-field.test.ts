import { describe, expect, it } from 'vitest';
import { findFormField, toFieldMessage } from './server-field';

/** A form holding an instance id, an address and two port rows. */
const formPaths = new Set([
  'instanceId',
  'ipAddr',
  'ports',
  'ports.0',
  'ports.0.hostPort',
  'ports.1',
  'ports.1.hostPort',
]);
const hasField = (path: string) => formPaths.has(path);

describe('where a refused request shows its field', () => {
  it('puts an error under the input of the same path', () => {
    expect(findFormField({ field: 'ipAddr', hasField })).toBe('ipAddr');
    expect(findFormField({ field: 'ports.1.hostPort', hasField })).toBe('ports.1.hostPort');
  });

  it('puts an error about a part the form does not hold under the nearest input that holds it', () => {
    expect(findFormField({ field: 'ports.3.hostPort', hasField })).toBe('ports');
    expect(findFormField({ field: 'ports.0.protocol', hasField })).toBe('ports.0');
  });

  it('leaves errors without a field, or of a field the form has not, to the notice', () => {
    expect(findFormField({ field: undefined, hasField })).toBeUndefined();
    expect(findFormField({ field: 'agentUrl', hasField })).toBeUndefined();
  });

  it('renames the API path when the form names its inputs differently', () => {
    const toFormField = (field: string) => field.replace(/^ports\.2/, 'mapping');
    expect(
      findFormField({
        field: 'ports.2.hostPort',
        hasField: (path) => path === 'mapping.hostPort',
        toFormField,
      }),
    ).toBe('mapping.hostPort');
    expect(findFormField({ field: 'ports', hasField, toFormField: () => undefined })).toBeUndefined();
  });

  it('shows the reason without the field name the API put before it', () => {
    expect(
      toFieldMessage({
        error: {
          field: 'ports.0.hostPort',
          message: 'ports.0.hostPort: must be 1-65535',
          code: 'INVALID_INPUT',
        },
      }),
    ).toBe('must be 1-65535');
    expect(
      toFieldMessage({ error: { field: 'ipAddr', message: '10.0.1.9 is already used', code: 'CONFLICT' } }),
    ).toBe('10.0.1.9 is already used');
  });
});
