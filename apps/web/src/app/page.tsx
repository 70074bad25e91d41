/** Placeholder until the dashboard (issue 6): the API is served at /api/trpc. */
export default function HomePage() {
  return (
    <main>
      <h1>Kudo Network</h1>
      <p>The control plane is running. The dashboard comes next; its API is served at /api/trpc.</p>
    </main>
  );
}
