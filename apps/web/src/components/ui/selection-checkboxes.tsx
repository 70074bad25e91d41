import type { useSelection } from '../../client/selection';

type Selection = ReturnType<typeof useSelection>;

/** A selectable table's header checkbox: every shown row, or none. */
export const SelectAllCheckbox = ({ selection, label }: { selection: Selection; label: string }) => (
  <input
    type="checkbox"
    className="checkbox"
    aria-label={label}
    checked={selection.isAllSelected}
    onChange={selection.toggleAll}
  />
);

/** A row's checkbox, named after what the row shows. */
export const SelectRowCheckbox = ({
  selection,
  id,
  name,
}: {
  selection: Selection;
  id: string;
  name: string;
}) => (
  <input
    type="checkbox"
    className="checkbox"
    aria-label={`Select ${name}`}
    checked={selection.isSelected(id)}
    onChange={() => selection.toggle(id)}
  />
);
