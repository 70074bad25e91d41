import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { readThemeChoice, themeCookieName, toThemeAttribute } from '../components/theme/theme-choice';
import { ThemeProvider } from '../components/theme/theme-provider';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/theme.css';

export const metadata: Metadata = {
  title: { default: 'Kudo Network', template: '%s · Kudo Network' },
  description: 'Control plane of a Kudo cluster: nodes, instances and port mappings',
  icons: { icon: '/favicon.svg' },
};

/**
 * Every page. The theme comes from its cookie, read here on the server: the first paint already has it
 * (no script runs before it, which the Content-Security-Policy would have to allow); `system` leaves
 * `data-theme` out and the stylesheet follows `prefers-color-scheme`.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const choice = readThemeChoice({ value: (await cookies()).get(themeCookieName)?.value });
  return (
    <html lang="en" data-theme={toThemeAttribute({ choice })}>
      <body>
        <ThemeProvider initialChoice={choice}>{children}</ThemeProvider>
      </body>
    </html>
  );
}
