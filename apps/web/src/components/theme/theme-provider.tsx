'use client';

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useState,
  useSyncExternalStore,
} from 'react';
import { type ResolvedTheme, type ThemeChoice, toThemeAttribute, toThemeCookie } from './theme-choice';

const darkQuery = '(prefers-color-scheme: dark)';

const subscribeToSystemTheme = (onChange: () => void) => {
  const query = window.matchMedia(darkQuery);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
};
const readSystemTheme = (): ResolvedTheme => (window.matchMedia(darkQuery).matches ? 'dark' : 'light');

type ThemeState = { choice: ThemeChoice; resolved: ResolvedTheme; choose: (choice: ThemeChoice) => void };

const ThemeContext = createContext<ThemeState | null>(null);

/**
 * The theme chosen (from the cookie, read by the server) and the one in effect: a choice of `system`
 * follows the browser's setting as it changes. Choosing sets the cookie and <html data-theme> at once.
 */
export const ThemeProvider = ({
  initialChoice,
  children,
}: {
  initialChoice: ThemeChoice;
  children: ReactNode;
}) => {
  const [choice, setChoice] = useState(initialChoice);
  const systemTheme = useSyncExternalStore(subscribeToSystemTheme, readSystemTheme, () => 'light' as const);
  const choose = useCallback((next: ThemeChoice) => {
    // biome-ignore lint/suspicious/noDocumentCookie: a plain preference cookie, read back by the server.
    document.cookie = toThemeCookie({ choice: next });
    const attribute = toThemeAttribute({ choice: next });
    if (attribute) document.documentElement.dataset.theme = attribute;
    else delete document.documentElement.dataset.theme;
    setChoice(next);
  }, []);
  const resolved = choice === 'system' ? systemTheme : choice;
  return <ThemeContext.Provider value={{ choice, resolved, choose }}>{children}</ThemeContext.Provider>;
};

export const useTheme = () => {
  const theme = useContext(ThemeContext);
  if (!theme) throw new Error('useTheme is used outside ThemeProvider');
  return theme;
};
