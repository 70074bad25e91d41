import { NextResponse } from 'next/server';
import { sessionCookieName } from '../../../../server/auth/session-cookie';

/** Signs out: the session cookie is removed (POST only, so a link or an image cannot sign anyone out). */
export const POST = () => {
  const response = NextResponse.json({ isSignedOut: true });
  response.cookies.set(sessionCookieName, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 });
  return response;
};

export const dynamic = 'force-dynamic';
