/**
 * The client's address as the dashboard's server saw it: the first entry of X-Forwarded-For (Next.js sets
 * it to the connection's address when no proxy did; a proxy in front sets or extends it), or undefined.
 */
export const readClientAddress = ({ headers }: { headers: Headers }) => {
  const first = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return first ? first.replace(/^::ffff:/, '').slice(0, 100) : undefined;
};
