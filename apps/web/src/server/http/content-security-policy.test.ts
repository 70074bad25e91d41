import { describe, expect, it } from 'vitest';
import { buildContentSecurityPolicy, createNonce } from './content-security-policy.js';

const directivesOf = (policy: string) =>
  new Map(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)]));

describe('the dashboard content security policy', () => {
  it("allows scripts only with the request's nonce, never eval in production, and no framing", () => {
    const directives = directivesOf(buildContentSecurityPolicy({ nonce: 'abc123==', isDevelopment: false }));
    expect(directives.get('script-src')).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
  });

  it('allows eval in development only (React dev tooling)', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', isDevelopment: true });
    expect(directivesOf(policy).get('script-src')).toContain("'unsafe-eval'");
  });

  it('makes a different nonce of 16 bytes each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
  });
});
