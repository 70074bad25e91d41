import type { ReactNode } from 'react';

export const Card = ({
  title,
  description,
  actions,
  children,
  isFlush = false,
  className,
  testId,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  isFlush?: boolean;
  className?: string;
  testId?: string;
}) => (
  <section className={`card ${className ?? ''}`} data-testid={testId}>
    {title || actions ? (
      <header className="card-header">
        <div>
          {title ? <h2>{title}</h2> : null}
          {description ? <p>{description}</p> : null}
        </div>
        {actions ? <div className="row-wrap">{actions}</div> : null}
      </header>
    ) : null}
    <div className={`card-body ${isFlush ? 'flush' : ''}`}>{children}</div>
  </section>
);

export const Stat = ({ label, value, foot }: { label: string; value: ReactNode; foot?: ReactNode }) => (
  <div className="card stat">
    <div className="stat-label">{label}</div>
    <div className="stat-value">{value}</div>
    {foot ? <div className="stat-foot">{foot}</div> : null}
  </div>
);
