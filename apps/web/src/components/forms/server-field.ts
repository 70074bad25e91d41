import type { ShownError } from '../../client/read-error';

/**
 * The input of a form that a refused request's field belongs to: the API's field path (already in the
 * web request's terms, e.g. `ipAddr`, `ports.1.hostPort`), renamed by the form when its fields differ
 * from the request's, then the nearest path the form holds (an error about `ports.3` of a two-row
 * editor is the editor's). Undefined when the error names no field of the form: it goes to the notice.
 */
export const findFormField = ({
  field,
  hasField,
  toFormField = (path) => path,
}: {
  field: string | undefined;
  hasField: (path: string) => boolean;
  toFormField?: (path: string) => string | undefined;
}) => {
  const renamed = field === undefined ? undefined : toFormField(field);
  if (!renamed) return undefined;
  const segments = renamed.split('.');
  for (let length = segments.length; length > 0; length -= 1) {
    const path = segments.slice(0, length).join('.');
    if (hasField(path)) return path;
  }
  return undefined;
};

/** The message to show under an input: without the `field: ` prefix the API puts before input errors. */
export const toFieldMessage = ({ error }: { error: ShownError }) =>
  error.field && error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
