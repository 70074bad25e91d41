import type { AppRouter } from '@kudo/web/scripting';
import { createTRPCClient, httpLink } from '@trpc/client';

/** Signs in to the dashboard like the browser does; returns the session cookie to send with API calls. */
export const signIn = async ({
  baseUrl,
  name,
  password,
}: {
  baseUrl: string;
  name: string;
  password: string;
}) => {
  const response = await fetch(`${baseUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (!response.ok)
    throw new Error(`signing in as ${name} failed: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith('kudo_session='));
  if (!cookie) throw new Error('the sign-in answer set no session cookie');
  return cookie.split(';')[0] ?? '';
};

/** The control plane's typed API over HTTP, as a signed-in user. */
export const createApiClient = ({ baseUrl, cookie }: { baseUrl: string; cookie: string }) =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${baseUrl}/api/trpc`, headers: { cookie } })] });

export type ApiClient = ReturnType<typeof createApiClient>;
