'use client';

import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A modal dialog on the native <dialog> element (focus trap, Escape and backdrop handled by the browser).
 * Rendered only while open, so its form starts fresh each time.
 */
export const Dialog = ({
  isOpen,
  onClose,
  title,
  description,
  children,
  footer,
  isWide = false,
  testId,
}: {
  isOpen: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  isWide?: boolean;
  testId?: string;
}) => {
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
