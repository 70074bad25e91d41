'use client';

import Link from 'next/link';
import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { usePermission } from '../../client/session-context';
import type { UserRole } from '../../server/auth/context-user';
import { LockIcon } from './icons';

type Variant = 'primary' | 'secondary' | 'danger' | 'danger-solid' | 'ghost';

const variantClass: Record<Variant, string> = {
  primary: 'button button-primary',
  secondary: 'button',
  danger: 'button button-danger',
  'danger-solid': 'button button-danger-solid',
  ghost: 'button button-ghost',
};

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: 'md' | 'sm';
  icon?: ReactNode;
  isBusy?: boolean;
};

export const Button = ({
  variant = 'secondary',
  size = 'md',
  icon,
  isBusy = false,
  children,
  className,
  type = 'button',
  disabled,
  ...props
}: ButtonProps) => (
  <button
    type={type}
    className={[variantClass[variant], size === 'sm' ? 'button-sm' : '', className ?? ''].join(' ').trim()}
    disabled={disabled || isBusy}
    aria-busy={isBusy || undefined}
    {...props}
  >
    {isBusy ? <span className="spinner" aria-hidden="true" /> : icon}
    {children}
  </button>
);

/**
 * A button that changes the cluster, for users of role `least` or above (default: admin). For others it is
 * disabled, shows a lock, and says why (on hover, on focus, and to screen readers); the server refuses the
 * change anyway.
 */
export const ActionButton = ({
  disabledReason,
  least,
  ...props
}: ButtonProps & { disabledReason?: string; least?: UserRole }) => {
  const { canChange, reason } = usePermission(least);
  const why = canChange ? disabledReason : reason;
  if (canChange && !disabledReason) return <Button {...props} data-action-button="true" />;
  return (
    <span className="action-wrap" data-reason={why} tabIndex={props.disabled || why ? 0 : undefined}>
      <Button
        {...props}
        icon={canChange ? props.icon : <LockIcon />}
        disabled
        aria-disabled="true"
        title={why}
        data-disabled-reason={why}
        data-action-button="true"
      />
    </span>
  );
};

/** A link that leads to a change (e.g. a create form): for a viewer, a disabled action button instead. */
export const ActionLink = ({
  href,
  icon,
  children,
  variant = 'secondary',
  size = 'md',
  least,
}: {
  href: string;
  /** The role the change needs (default: admin). */
  least?: UserRole;
  icon?: ReactNode;
  children: ReactNode;
  variant?: 'primary' | 'secondary';
  size?: 'md' | 'sm';
}) => {
  const { canChange } = usePermission(least);
  if (!canChange)
    return (
      <ActionButton icon={icon} variant={variant} size={size} least={least}>
        {children}
      </ActionButton>
    );
  return (
    <Link
      href={href}
      className={[variantClass[variant], size === 'sm' ? 'button-sm' : ''].join(' ').trim()}
      data-action-button="true"
    >
      {icon}
      {children}
    </Link>
  );
};
