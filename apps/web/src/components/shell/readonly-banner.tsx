'use client';

import { usePermission } from '../../client/session-context';
import { LockIcon } from '../ui/icons';

/** Tells a viewer, on every page, why the action buttons are disabled. */
export const ReadonlyBanner = () => {
  const { canChange, reason } = usePermission('operator');
  if (canChange) return null;
  return (
    <div className="readonly-banner" role="status" data-testid="readonly-banner">
      <LockIcon />
      {reason}
    </div>
  );
};
