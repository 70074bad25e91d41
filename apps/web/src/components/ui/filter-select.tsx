import type { ReactNode } from 'react';

/** What a toolbar filter offers: its name, the text of "no filter", and its options by value. */
export type Filter = { label: string; anyLabel: string; options: Readonly<Record<string, ReactNode>> };

/** A toolbar's filter: a select whose first option (the empty value) lets everything through. */
export const FilterSelect = ({
  filter: { label, anyLabel, options },
  value,
  onChange,
}: {
  filter: Filter;
  value: string;
  onChange: (value: string) => void;
}) => (
  <select
    className="select"
    aria-label={label}
    value={value}
    onChange={(event) => onChange(event.target.value)}
  >
    <option value="">{anyLabel}</option>
    {Object.entries(options).map(([option, text]) => (
      <option key={option} value={option}>
        {text}
      </option>
    ))}
  </select>
);

/** A filter by node: the nodes by name. */
export const nodeFilterOf = (nodes: readonly { id: string; name: string }[] | undefined): Filter => ({
  label: 'Node',
  anyLabel: 'All nodes',
  options: Object.fromEntries((nodes ?? []).map((node) => [node.id, node.name])),
});
