import { z } from 'zod';

/** The cookie that remembers the chosen theme (a preference, not a secret: readable by the page). */
export const themeCookieName = 'kudo-theme';

/** `system` follows the browser's `prefers-color-scheme`; `light` and `dark` are fixed. */
export const ZThemeChoice = z.enum(['system', 'light', 'dark']);
export type ThemeChoice = z.output<typeof ZThemeChoice>;
export type ResolvedTheme = Exclude<ThemeChoice, 'system'>;

/** The choice a cookie value names; anything else (absent, tampered) is `system`. */
export const readThemeChoice = ({ value }: { value: string | undefined }): ThemeChoice => {
  const parsed = ZThemeChoice.safeParse(value);
  return parsed.success ? parsed.data : 'system';
};

/**
 * The `data-theme` of <html>: set for a fixed choice, absent for `system` (the stylesheet's media query
 * decides). Rendered by the server from the cookie, so the first paint already has the right theme.
 */
export const toThemeAttribute = ({ choice }: { choice: ThemeChoice }) =>
  choice === 'system' ? undefined : choice;

/** The cookie that stores a choice for a year, for every page of the dashboard. */
export const toThemeCookie = ({ choice }: { choice: ThemeChoice }) =>
  `${themeCookieName}=${choice}; Path=/; Max-Age=31536000; SameSite=Lax`;
