import type { ReactNode } from 'react';

export const EmptyState = ({
  icon,
  title,
  description,
  action,
}: {
  icon?: ReactNode;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
}) => (
  <div className="empty">
    {icon ? <div className="empty-icon">{icon}</div> : null}
    <h3>{title}</h3>
    {description ? <p>{description}</p> : null}
    {action}
  </div>
);
