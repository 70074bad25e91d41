import { isIP } from 'node:net';

/** Host names that stay on the machine: the only ones an agent may be reached at without TLS. */
export const isLoopbackHost = (hostname: string) => {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
};

/**
 * Why an agent URL may not be used, or undefined: every agent beyond loopback is reached over `https://`
 * (verified against the cluster CA); plain `http://` is for loopback agents (the lab and the tests).
 */
export const findAgentUrlProblem = (url: string) => {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed) return 'must be a URL';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol === 'http:')
    return 'must be https:// (plain http:// is only allowed for an agent on loopback)';
  return 'must be an https:// URL';
};

/** The names an agent's certificate is issued for: its URL's host, as an IP address or a DNS name. */
export const readAgentUrlNames = ({ url, externalIpAddr }: { url: string; externalIpAddr: string }) => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const ipAddresses = [...new Set([externalIpAddr, ...(isIP(host) ? [host] : [])])];
  return { ipAddresses, dnsNames: isIP(host) ? [] : [host] };
};
