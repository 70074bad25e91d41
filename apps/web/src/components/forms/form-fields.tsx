import type { ComponentProps, ReactNode } from 'react';
import { Field } from '../ui/field';

type FieldProps = { label: string; id: string; hint?: ReactNode; error?: string };

/** The input's own attributes that say whether it was refused, and where the reason is. */
const describeError = ({ id, error }: { id: string; error?: string }) => ({
  'aria-invalid': Boolean(error),
  'aria-describedby': error ? `${id}-error` : undefined,
});

/**
 * A labelled text input of a dialog form; spread `field(name)` of useDialogForm on it for its
 * registration and its problem.
 */
export const InputField = ({
  label,
  id,
  hint,
  error,
  className = 'input',
  ...input
}: FieldProps & ComponentProps<'input'>) => (
  <Field label={label} htmlFor={id} hint={hint} error={error}>
    <input id={id} className={className} {...describeError({ id, error })} {...input} />
  </Field>
);

/** A labelled select of a dialog form, its options as children; spread `field(name)` of useDialogForm on it. */
export const SelectField = ({
  label,
  id,
  hint,
  error,
  children,
  ...select
}: FieldProps & ComponentProps<'select'>) => (
  <Field label={label} htmlFor={id} hint={hint} error={error}>
    <select id={id} className="select" {...describeError({ id, error })} {...select}>
      {children}
    </select>
  </Field>
);
