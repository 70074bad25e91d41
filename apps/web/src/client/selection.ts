'use client';

import { useCallback, useMemo, useState } from 'react';

/**
 * Row selection kept by id, so it survives every refresh of the rows (live updates replace the row
 * objects, not the ids). Ids that disappear are dropped from what `selected` returns.
 */
export const useSelection = ({ ids }: { ids: readonly string[] }) => {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const selected = useMemo(() => ids.filter((id) => chosen.has(id)), [ids, chosen]);
  const toggle = useCallback((id: string) => {
    setChosen((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const isAllSelected = ids.length > 0 && selected.length === ids.length;
  const toggleAll = useCallback(() => {
    setChosen((previous) => {
      const isEvery = ids.length > 0 && ids.every((id) => previous.has(id));
      const next = new Set(previous);
      for (const id of ids) {
        if (isEvery) next.delete(id);
        else next.add(id);
      }
      return next;
    });
  }, [ids]);
  const clear = useCallback(() => setChosen(new Set()), []);
  return { selected, isSelected: (id: string) => chosen.has(id), toggle, toggleAll, isAllSelected, clear };
};
