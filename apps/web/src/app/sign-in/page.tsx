import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { SignInForm } from '../../components/auth/sign-in-form';
import { KudoMark } from '../../components/ui/icons';
import { readDashboardUser } from '../../server/auth/dashboard-user';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await readDashboardUser({ headers: await headers() })) redirect('/');
  return (
    <main className="sign-in">
      <div className="sign-in-card card">
        <div className="sign-in-brand">
          <KudoMark />
          <div>
            <h1>Sign in to Kudo Network</h1>
            <p className="muted">The control plane of your cluster.</p>
          </div>
        </div>
        <SignInForm />
        <p className="sign-in-help">
          Sign in with the name and password your admin gave you (or set through your invite link). The first
          admin&apos;s one-time password was printed when the control plane first started, or by{' '}
          <code>create-admin</code>.
        </p>
      </div>
    </main>
  );
}
