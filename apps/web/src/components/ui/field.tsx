import type { ReactNode } from 'react';

/** Under an input: the reason it was refused (by the API or the form), or else its hint. */
export const FieldMessage = ({ id, error, hint }: { id?: string; error?: string; hint?: ReactNode }) =>
  error ? (
    <div className="field-error" id={id} role="alert">
      {error}
    </div>
  ) : hint ? (
    <div className="field-hint">{hint}</div>
  ) : null;

/** A labelled input with its hint and, when the API or the form refused it, the reason under it. */
export const Field = ({
  label,
  htmlFor,
  hint,
  error,
  children,
}: {
  label: string;
  htmlFor: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
}) => (
  <div className="field">
    <label htmlFor={htmlFor}>{label}</label>
    {children}
    <FieldMessage id={`${htmlFor}-error`} error={error} hint={hint} />
  </div>
);
