import Link from 'next/link';
import type { ReactNode } from 'react';

export const PageHeader = ({
  title,
  description,
  actions,
  breadcrumbs,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumbs?: { href: string; label: string }[];
}) => (
  <header className="page-header">
    <div>
      {breadcrumbs ? (
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          {breadcrumbs.map((crumb) => (
            <span key={crumb.href}>
              <Link href={crumb.href}>{crumb.label}</Link> /
            </span>
          ))}
        </nav>
      ) : null}
      <h1>{title}</h1>
      {description ? <p>{description}</p> : null}
    </div>
    {actions ? <div className="page-actions">{actions}</div> : null}
  </header>
);
