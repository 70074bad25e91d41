'use client';

import { type ReactNode, useEffect, useRef } from 'react';
import { Button } from './button';

/**
 * A modal dialog on the native <dialog> element (focus trap, Escape and backdrop handled by the browser).
 * Rendered only while open, so its form starts fresh each time.
 */
/** Whether a dialog shows, and what closes it (Escape, the backdrop, Cancel, or its request done). */
export type DialogVisibility = { isOpen: boolean; onClose: () => void };

export type DialogProps = DialogVisibility & {
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  isWide?: boolean;
  testId?: string;
};

export const Dialog = ({
  isOpen,
  onClose,
  title,
  description,
  children,
  footer,
  isWide = false,
  testId,
}: DialogProps) => {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (isOpen && dialog && !dialog.open) dialog.showModal();
  }, [isOpen]);
  if (!isOpen) return null;
  return (
    <dialog
      ref={ref}
      className={`dialog ${isWide ? 'dialog-wide' : ''}`}
      onClose={onClose}
      onCancel={onClose}
      aria-labelledby="dialog-title"
      data-testid={testId}
    >
      <div className="dialog-header">
        <h2 id="dialog-title">{title}</h2>
        {description ? <p>{description}</p> : null}
      </div>
      <div className="dialog-body">{children}</div>
      {footer ? <div className="dialog-footer">{footer}</div> : null}
    </dialog>
  );
};

/** A dialog's footer: Cancel (disabled while the action runs), then the dialog's own action. */
export const DialogActions = ({
  onCancel,
  isBusy,
  children,
}: {
  onCancel: () => void;
  isBusy: boolean;
  children: ReactNode;
}) => (
  <>
    <Button onClick={onCancel} disabled={isBusy}>
      Cancel
    </Button>
    {children}
  </>
);

/** What a long operation is doing while it runs, beside a spinner. */
export const Progress = ({ children, testId }: { children: ReactNode; testId?: string }) => (
  <div className="progress" role="status" data-testid={testId}>
    <span className="spinner" aria-hidden="true" />
    {children}
  </div>
);
