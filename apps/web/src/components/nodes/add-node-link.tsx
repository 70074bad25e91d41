import type { ReactNode } from 'react';
import { ActionLink } from '../ui/button';

/** The way to the Add node dialog from another page (the nodes page opens it for `?add=1`). */
export const AddNodeLink = ({
  variant = 'primary',
  icon,
  children = 'Add a node',
}: {
  variant?: 'primary' | 'secondary';
  icon?: ReactNode;
  children?: ReactNode;
}) => (
  <ActionLink variant={variant} href="/nodes?add=1" icon={icon}>
    {children}
  </ActionLink>
);
