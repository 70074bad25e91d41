import type { ReactNode } from 'react';

/** The header of a plain (not sortable) table: one cell a column (named uniquely; '' for a column of actions). */
export const TableHead = ({ columns }: { columns: readonly string[] }) => (
  <thead>
    <tr>
      {columns.map((column) => (
        <th key={column}>{column}</th>
      ))}
    </tr>
  </thead>
);

/** The one row of a table with nothing to list, across its columns. */
export const EmptyRow = ({
  columnCount,
  className = 'muted',
  children,
}: {
  columnCount: number;
  className?: string;
  children: ReactNode;
}) => (
  <tr>
    <td colSpan={columnCount} className={className}>
      {children}
    </td>
  </tr>
);
