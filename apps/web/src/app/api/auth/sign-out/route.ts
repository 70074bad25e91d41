import { NextResponse } from 'next/server';
import { readCookie, sessionCookieName } from '../../../../server/auth/session-cookie';
import { findCrossSiteRefusal } from '../../../../server/http/cross-site';
import { getServices } from '../../../../server/runtime';

/**
 * Signs out: the session ends on the server (a copy of the cookie stops working too) and the cookie is
 * removed. POST only and from the dashboard itself (JSON, same origin), so neither a link nor another site
 * can sign anyone out.
 */
export const POST = async (request: Request) => {
  const crossSite = findCrossSiteRefusal({
    method: request.method,
    headers: request.headers,
    url: request.url,
  });
  if (crossSite) return NextResponse.json({ error: { message: crossSite } }, { status: 403 });
  const token = readCookie({ header: request.headers.get('cookie'), name: sessionCookieName });
  if (token) await (await getServices()).sessions.signOut({ token });
  const response = NextResponse.json({ isSignedOut: true });
  response.cookies.set(sessionCookieName, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 });
  return response;
};

export const dynamic = 'force-dynamic';
