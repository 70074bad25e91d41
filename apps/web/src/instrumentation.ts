/**
 * Next.js calls this once when the server starts: migrate the database and start the health monitor
 * before the first request, instead of on it.
 */
export async function register() {
  const { isNodeRuntime } = await import('./env');
  if (!isNodeRuntime()) return;
  const { getRuntime } = await import('./server/runtime');
  await getRuntime();
}
