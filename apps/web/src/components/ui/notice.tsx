import type { ReactNode } from 'react';
import type { ShownError } from '../../client/read-error';
import { AlertIcon, CheckIcon } from './icons';

export const Notice = ({
  tone,
  title,
  children,
  testId,
}: {
  tone: 'error' | 'warning' | 'success' | 'info';
  title?: ReactNode;
  children?: ReactNode;
  testId?: string;
}) => (
  <div className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
    {tone === 'success' ? <CheckIcon /> : <AlertIcon />}
    <div>
      {title ? <div className="notice-title">{title}</div> : null}
      {children}
    </div>
  </div>
);

/** An API failure where it happened: the message, and the code and field it came with. */
export const ErrorNotice = ({
  error,
  title = 'That did not work',
}: {
  error: ShownError | undefined;
  title?: string;
}) => {
  if (!error) return null;
  const meta = [error.code, error.field && `field: ${error.field}`, error.nodeId && `node: ${error.nodeId}`]
    .filter(Boolean)
    .join(' · ');
  return (
    <Notice tone="error" title={title} testId="error-notice">
      <div>{error.message}</div>
      {meta ? <div className="meta">{meta}</div> : null}
    </Notice>
  );
};

/**
 * A dialog's refused request. An error put under one of the form's inputs is only named here (code and
 * field: the reason is under the input); any other error is shown whole.
 */
export const FormErrorNotice = ({
  error,
  title,
}: {
  error: (ShownError & { formField: string | undefined }) | undefined;
  title: string;
}) => {
  if (!error?.formField) return <ErrorNotice error={error} title={title} />;
  return (
    <Notice tone="error" title={title} testId="error-notice">
      <div className="meta">
        {error.code} · field: {error.field}
        {error.nodeId ? ` · node: ${error.nodeId}` : ''} · see the marked field
      </div>
    </Notice>
  );
};
