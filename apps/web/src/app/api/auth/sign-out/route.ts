import { NextResponse } from 'next/server';
import { sessionCookieName } from '../../../../server/auth/session-cookie';
import { findCrossSiteRefusal } from '../../../../server/http/cross-site';

/**
 * Signs out: the session cookie is removed. POST only and from the dashboard itself (JSON, same origin),
 * so neither a link nor another site can sign anyone out.
 */
export const POST = (request: Request) => {
  const crossSite = findCrossSiteRefusal({
    method: request.method,
    headers: request.headers,
    url: request.url,
  });
  if (crossSite) return NextResponse.json({ error: { message: crossSite } }, { status: 403 });
  const response = NextResponse.json({ isSignedOut: true });
  response.cookies.set(sessionCookieName, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 });
  return response;
};

export const dynamic = 'force-dynamic';
