import { NextResponse } from 'next/server';
import { z } from 'zod';
import { readAuthSettings } from '../../../../server/auth/auth';
import { refuseAuthRequest } from '../../../../server/auth/auth-route';
import { readClientAddress } from '../../../../server/auth/client-address';
import { isSecureCookie, sessionCookieName } from '../../../../server/auth/session-cookie';
import { findCrossSiteRefusal } from '../../../../server/http/cross-site';
import { getServices } from '../../../../server/runtime';

const ZSignInRequest = z.object({
  name: z.string().trim().min(1, 'enter a user name').max(64),
  password: z.string().min(1, 'enter the password').max(1024),
});

/**
 * Signs in with `{ name, password }` (JSON): starts a session and sets its id in an httpOnly cookie. Too many
 * failures for the name or the client address: 429 with "try again in N s" (and Retry-After).
 */
export const POST = async (request: Request) => {
  // Another site may not sign a browser in to an account of its choosing.
  const crossSite = findCrossSiteRefusal({
    method: request.method,
    headers: request.headers,
    url: request.url,
  });
  if (crossSite) return refuseAuthRequest({ status: 403, message: crossSite });
  const body = await request.json().catch(() => undefined);
  const parsed = ZSignInRequest.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    return refuseAuthRequest({
      status: 400,
      field: issue?.path.join('.') || undefined,
      message: issue?.message ?? 'invalid',
    });
  }
  const { ttlSeconds, cookieSecure } = readAuthSettings();
  const services = await getServices();
  const result = await services.sessions.signIn({
    ...parsed.data,
    clientAddress: readClientAddress({ headers: request.headers }),
    userAgent: request.headers.get('user-agent') ?? undefined,
    ttlSeconds,
  });
  if (result.outcome === 'throttled')
    return refuseAuthRequest({
      status: 429,
      field: 'password',
      message: result.message,
      headers: { 'retry-after': String(result.retryAfterSeconds) },
    });
  if (result.outcome === 'wrong')
    return refuseAuthRequest({ status: 401, field: 'password', message: 'wrong user name or password' });
  const response = NextResponse.json({ user: result.user });
  response.cookies.set(sessionCookieName, result.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: ttlSeconds,
    secure: isSecureCookie({ mode: cookieSecure, url: request.url, headers: request.headers }),
  });
  return response;
};

export const dynamic = 'force-dynamic';
