import { getServices } from '../runtime.js';
import type { DashboardUser } from './context-user.js';
import { readSessionUser } from './session.js';

/** The signed-in user of a dashboard page's request (what the browser may know of it), or null. */
export const readDashboardUser = async ({ headers }: { headers: Headers }): Promise<DashboardUser | null> => {
  const user = await readSessionUser({ services: await getServices(), headers });
  return user ? { name: user.name, role: user.role } : null;
};
