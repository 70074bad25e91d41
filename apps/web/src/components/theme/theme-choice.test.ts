import { describe, expect, it } from 'vitest';
import { readThemeChoice, toThemeAttribute, toThemeCookie } from './theme-choice';

describe('theme choice', () => {
  it('reads the cookie: a known choice, or system for anything else', () => {
    expect(readThemeChoice({ value: 'dark' })).toBe('dark');
    expect(readThemeChoice({ value: 'light' })).toBe('light');
    expect(readThemeChoice({ value: 'system' })).toBe('system');
    expect(readThemeChoice({ value: undefined })).toBe('system');
    expect(readThemeChoice({ value: 'dark"><script>' })).toBe('system');
  });

  it('fixes <html data-theme> for light and dark only; system leaves it to the media query', () => {
    expect(toThemeAttribute({ choice: 'dark' })).toBe('dark');
    expect(toThemeAttribute({ choice: 'light' })).toBe('light');
    expect(toThemeAttribute({ choice: 'system' })).toBeUndefined();
  });

  it('keeps the choice a year, for every page', () => {
    expect(toThemeCookie({ choice: 'dark' })).toBe('kudo-theme=dark; Path=/; Max-Age=31536000; SameSite=Lax');
  });
});
