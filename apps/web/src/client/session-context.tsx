'use client';

import { createContext, type ReactNode, useContext } from 'react';
import type { SessionUser } from '../server/auth/session';

const SessionContext = createContext<SessionUser | null>(null);

export const SessionProvider = ({ user, children }: { user: SessionUser; children: ReactNode }) => (
  <SessionContext.Provider value={user}>{children}</SessionContext.Provider>
);

/** The signed-in user; the dashboard layout only renders for one. */
export const useSessionUser = () => {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSessionUser outside the signed-in dashboard');
  return user;
};

export const viewerReason = 'Read-only: viewers cannot change the cluster. Sign in as admin to do this.';

/** Whether the user may change the cluster, and if not, why (shown next to every disabled action). */
export const usePermission = () => {
  const user = useSessionUser();
  return user.role === 'admin'
    ? { canChange: true as const, reason: undefined }
    : { canChange: false as const, reason: viewerReason };
};
