import { describe, expect, it } from 'vitest';
import { isSecureCookie, readCookie } from './session-cookie';

describe('session cookie', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(readCookie({ header: 'a=1; kudo_session=Fe26.2*abc; b=2', name: 'kudo_session' })).toBe(
      'Fe26.2*abc',
    );
    expect(readCookie({ header: 'kudo_session_old=1', name: 'kudo_session' })).toBeUndefined();
    expect(readCookie({ header: null, name: 'kudo_session' })).toBeUndefined();
  });

  it('is Secure on HTTPS (directly or behind a proxy that says so) in auto mode', () => {
    const headers = new Headers();
    expect(isSecureCookie({ mode: 'auto', url: 'http://127.0.0.1:3000/x', headers })).toBe(false);
    expect(isSecureCookie({ mode: 'auto', url: 'https://kudo.example/x', headers })).toBe(true);
    expect(
      isSecureCookie({
        mode: 'auto',
        url: 'http://10.0.0.1/x',
        headers: new Headers({ 'x-forwarded-proto': 'https' }),
      }),
    ).toBe(true);
    expect(isSecureCookie({ mode: 'always', url: 'http://127.0.0.1/x', headers })).toBe(true);
    expect(isSecureCookie({ mode: 'never', url: 'https://kudo.example/x', headers })).toBe(false);
  });
});
