/**
 * Cross-site request forgery: a page of another site (or of another port on this host, which browsers
 * count as the same site) can make a signed-in browser send a form to the control plane, cookie included.
 * A change is only accepted from the dashboard's own origin, as JSON (which no HTML form can send):
 * - `Sec-Fetch-Site`, when the browser sends it, must be `same-origin` (or `none`: typed by the user);
 * - `Origin`, when present, must be this host (`Host`, or `X-Forwarded-Host` behind a proxy), never `null`;
 * - the body must be `application/json`.
 * Reads (GET, HEAD) change nothing and are not checked. Clients outside a browser send neither header.
 * Returns why a request is refused, or undefined when it may go on.
 */
export const findCrossSiteRefusal = ({
  method,
  headers,
  url,
}: {
  method: string;
  headers: Headers;
  url: string;
}): string | undefined => {
  if (method === 'GET' || method === 'HEAD') return undefined;
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none')
    return `a ${fetchSite} request may not change the cluster`;
  const origin = headers.get('origin');
  if (origin !== null) {
    const host = headers.get('x-forwarded-host') ?? headers.get('host') ?? new URL(url).host;
    if (!URL.canParse(origin) || new URL(origin).host !== host)
      return `a request from ${origin} may not change the cluster`;
  }
  const contentType = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') return 'changes are only accepted as application/json';
  return undefined;
};

/** The answer to a refused request, shaped like a tRPC error so the dashboard's client can read it. */
export const refuseCrossSite = (reason: string) =>
  Response.json(
    {
      error: {
        message: reason,
        code: -32003,
        data: { code: 'FORBIDDEN', httpStatus: 403, web: { code: 'FORBIDDEN' } },
      },
    },
    { status: 403 },
  );
