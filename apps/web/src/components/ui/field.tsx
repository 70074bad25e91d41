import type { ReactNode } from 'react';

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
    {error ? (
      <div className="field-error" id={`${htmlFor}-error`} role="alert">
        {error}
      </div>
    ) : hint ? (
      <div className="field-hint">{hint}</div>
    ) : null}
  </div>
);
