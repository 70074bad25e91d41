'use client';

import { createContext, type ReactNode, useContext } from 'react';
import { type DashboardUser, hasRole, type UserRole } from '../server/auth/context-user';

const SessionContext = createContext<DashboardUser | null>(null);

export const SessionProvider = ({ user, children }: { user: DashboardUser; children: ReactNode }) => (
  <SessionContext.Provider value={user}>{children}</SessionContext.Provider>
);

/** The signed-in user; the dashboard layout only renders for one. */
export const useSessionUser = () => {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSessionUser outside the signed-in dashboard');
  return user;
};

export const viewerReason = 'Read-only: viewers cannot change the cluster. Sign in as admin to do this.';
export const operatorReason =
  'Operators manage instances and port mappings: nodes, cleanup, settings and users need an admin.';

export const roleLabels: Record<UserRole, string> = {
  admin: 'Administrator',
  operator: 'Operator',
  viewer: 'Read-only',
};

/**
 * Whether the user may make a change that needs role `least` (default: admin), and if not, why (shown next
 * to every disabled action). The server refuses it anyway.
 */
export const usePermission = (least: UserRole = 'admin') => {
  const user = useSessionUser();
  if (hasRole({ role: user.role, least })) return { canChange: true as const, reason: undefined };
  return { canChange: false as const, reason: user.role === 'viewer' ? viewerReason : operatorReason };
};
