import { describe, expect, it } from 'vitest';
import { findCrossSiteRefusal } from './cross-site.js';

const url = 'http://127.0.0.1:3000/api/trpc/instance.create';
const check = ({ method = 'POST', headers }: { method?: string; headers: Record<string, string> }) =>
  findCrossSiteRefusal({ method, headers: new Headers(headers), url });
const json = { 'content-type': 'application/json', host: '127.0.0.1:3000' };

describe('findCrossSiteRefusal', () => {
  it("lets the dashboard's own changes and clients outside a browser through", () => {
    expect(
      check({ headers: { ...json, origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-origin' } }),
    ).toBe(undefined);
    expect(check({ headers: json })).toBe(undefined);
    expect(
      check({ headers: { ...json, origin: 'https://kudo.example', 'x-forwarded-host': 'kudo.example' } }),
    ).toBe(undefined);
  });

  it('refuses a change from another site, another port, an opaque origin, or in a form encoding', () => {
    expect(check({ headers: { ...json, 'sec-fetch-site': 'cross-site' } })).toMatch(/cross-site/);
    expect(check({ headers: { ...json, 'sec-fetch-site': 'same-site' } })).toMatch(/same-site/);
    expect(check({ headers: { ...json, origin: 'http://127.0.0.1:8080' } })).toMatch(/127\.0\.0\.1:8080/);
    expect(check({ headers: { ...json, origin: 'null' } })).toMatch(/null/);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain'])
      expect(check({ headers: { host: '127.0.0.1:3000', 'content-type': type } })).toMatch(
        /application\/json/,
      );
    expect(check({ headers: { host: '127.0.0.1:3000' } })).toMatch(/application\/json/);
  });

  it('never refuses a read', () => {
    expect(
      check({ method: 'GET', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } }),
    ).toBe(undefined);
  });
});
