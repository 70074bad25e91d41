import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Providers } from '../../client/providers';
import { ReadonlyBanner } from '../../components/shell/readonly-banner';
import { Sidebar } from '../../components/shell/sidebar';
import { readDashboardUser } from '../../server/auth/dashboard-user';

export const dynamic = 'force-dynamic';

/** Every dashboard page: only for a signed-in user, inside the sidebar shell. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await readDashboardUser({ headers: await headers() });
  if (!user) redirect('/sign-in');
  return (
    <Providers user={user}>
      <div className="app">
        <Sidebar />
        <main className="main">
          <ReadonlyBanner />
          {children}
        </main>
      </div>
    </Providers>
  );
}
