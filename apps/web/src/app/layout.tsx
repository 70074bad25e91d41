import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';

export const metadata: Metadata = {
  title: { default: 'Kudo Network', template: '%s · Kudo Network' },
  description: 'Control plane of a Kudo cluster: nodes, instances and port mappings',
  icons: { icon: '/favicon.svg' },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
