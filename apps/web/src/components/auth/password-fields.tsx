import { Field } from '../ui/field';

/** A chosen password and its repetition, as the forms that set one hold them. */
export type NewPassword = { password: string; repeated: string };

export const emptyNewPassword: NewPassword = { password: '', repeated: '' };

/** What the forms say before sending anything when the repetition differs (undefined when it matches). */
export const findPasswordMismatch = ({ password, repeated }: NewPassword) =>
  password === repeated ? undefined : 'the two passwords differ';

/** A labelled password input, required, with its hint or the reason it was refused. */
export const PasswordField = ({
  id,
  label,
  hint,
  autoComplete,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  hint?: string;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onChange: (value: string) => void;
  error?: string;
}) => (
  <Field label={label} htmlFor={id} hint={hint} error={error}>
    <input
      id={id}
      type="password"
      className="input"
      autoComplete={autoComplete}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      required
    />
  </Field>
);

/** A new password (at least 12 characters) and its repetition, each with the reason it was refused. */
export const NewPasswordFields = ({
  value,
  onChange,
  repeatLabel,
  passwordError,
  repeatedError,
}: {
  value: NewPassword;
  onChange: (value: NewPassword) => void;
  repeatLabel: string;
  passwordError?: string;
  repeatedError?: string;
}) => (
  <>
    <PasswordField
      id="new-password"
      label="New password"
      hint="At least 12 characters."
      autoComplete="new-password"
      value={value.password}
      onChange={(password) => onChange({ ...value, password })}
      error={passwordError}
    />
    <PasswordField
      id="repeat-password"
      label={repeatLabel}
      autoComplete="new-password"
      value={value.repeated}
      onChange={(repeated) => onChange({ ...value, repeated })}
      error={repeatedError}
    />
  </>
);
