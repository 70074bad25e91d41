import { type NextRequest, NextResponse } from 'next/server';
import { buildContentSecurityPolicy, createNonce } from './server/http/content-security-policy';

/**
 * Every page gets the Content-Security-Policy with a nonce of its own (the API's fixed policy is in
 * next.config.ts). The request carries
 * the policy on to the render, where Next.js reads the nonce from it and puts it on its scripts. The other
 * security headers (nosniff, referrer policy, no framing) are in next.config.ts, for every response.
 */
export const proxy = (request: NextRequest) => {
  // NODE_ENV is fixed when the app is built (`next build` production, `next dev` development).
  const policy = buildContentSecurityPolicy({
    nonce: createNonce(),
    isDevelopment: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
};

export const config = {
  matcher: [
    {
      // Not the static bundles and icon (no document, and served from the build as they are), nor the API.
      source: '/((?!_next/static|_next/image|favicon.svg|api/).*)',
      // Nor prefetches of links: their payload is rendered again, with a nonce, when the link is followed.
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
