/**
 * The client's address as the dashboard's server saw it: the first entry of X-Forwarded-For (Next.js sets
 * it to the connection's address when no proxy did; a proxy in front sets or extends it), or undefined.
 */
export const readClientAddress = ({ headers }: { headers: Headers }) => {
  const first = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return first ? first.replace(/^::ffff:/, '').slice(0, 100) : undefined;
};

/**
 * Whether an address is this machine's own (loopback): what every client shows when the dashboard sits
 * behind the HTTPS front or a proxy on the same machine. Counting sign-in failures against it would let
 * one guesser block everyone, so only the per-name count applies to it.
 */
export const isOwnAddress = (address: string) => /^127\./.test(address) || address === '::1';
