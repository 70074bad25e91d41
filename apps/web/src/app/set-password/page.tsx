import type { Metadata } from 'next';
import { SetPasswordForm } from '../../components/auth/set-password-form';
import { KudoMark } from '../../components/ui/icons';

export const metadata: Metadata = { title: 'Set your password' };
export const dynamic = 'force-dynamic';

/** Where an invite link leads (`/set-password#TOKEN`): the invited user chooses a password. */
export default function SetPasswordPage() {
  return (
    <main className="sign-in">
      <div className="sign-in-card card">
        <div className="sign-in-brand">
          <KudoMark />
          <div>
            <h1>Set your password</h1>
            <p className="muted">Kudo Network: you were invited to the control plane of a cluster.</p>
          </div>
        </div>
        <SetPasswordForm />
      </div>
    </main>
  );
}
