import { NextResponse } from 'next/server';
import { z } from 'zod';
import { getAuthConfig } from '../../../../server/auth/auth';
import { findAccount } from '../../../../server/auth/credentials';
import { isSecureCookie, sealSession, sessionCookieName } from '../../../../server/auth/session-cookie';
import { findCrossSiteRefusal } from '../../../../server/http/cross-site';

const ZSignInRequest = z.object({
  name: z.string().trim().min(1, 'enter a user name').max(64),
  password: z.string().min(1, 'enter the password').max(1024),
});

/** Failed sign-ins wait this long before answering, to slow down guessing. */
const failureDelayMs = 400;

const refuse = ({ status, field, message }: { status: number; field?: string; message: string }) =>
  NextResponse.json({ error: { field, message } }, { status });

/** Signs in with `{ name, password }` (JSON): sets the sealed, httpOnly session cookie. */
export const POST = async (request: Request) => {
  // Another site may not sign a browser in to an account of its choosing.
  const crossSite = findCrossSiteRefusal({
    method: request.method,
    headers: request.headers,
    url: request.url,
  });
  if (crossSite) return refuse({ status: 403, message: crossSite });
  const body = await request.json().catch(() => undefined);
  const parsed = ZSignInRequest.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    return refuse({
      status: 400,
      field: issue?.path.join('.') || undefined,
      message: issue?.message ?? 'invalid',
    });
  }
  const { credentials, ttlSeconds, cookieSecure } = await getAuthConfig();
  const account = await findAccount({ credentials, ...parsed.data });
  if (!account) {
    await new Promise((resolve) => setTimeout(resolve, failureDelayMs));
    return refuse({ status: 401, field: 'password', message: 'wrong user name or password' });
  }
  const response = NextResponse.json({ user: { name: account, role: account } });
  response.cookies.set(sessionCookieName, await sealSession({ credentials, account, ttlSeconds }), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: ttlSeconds,
    secure: isSecureCookie({ mode: cookieSecure, url: request.url, headers: request.headers }),
  });
  return response;
};

export const dynamic = 'force-dynamic';
