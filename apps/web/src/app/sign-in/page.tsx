import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { SignInForm } from '../../components/auth/sign-in-form';
import { KudoMark } from '../../components/ui/icons';
import { readSessionUser } from '../../server/auth/session';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await readSessionUser({ headers: await headers() })) redirect('/');
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
          <strong>admin</strong> may change the cluster; <strong>viewer</strong> sees everything, read-only.
          The passwords were printed when the control plane first started (or come from KUDO_ADMIN_PASSWORD
          and KUDO_VIEWER_PASSWORD).
        </p>
      </div>
    </main>
  );
}
