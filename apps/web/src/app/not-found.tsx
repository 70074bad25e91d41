import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="sign-in">
      <div className="sign-in-card card">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link className="button button-primary" href="/">
          Back to the overview
        </Link>
      </div>
    </main>
  );
}
