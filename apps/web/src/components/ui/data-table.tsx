'use client';

import {
  type ColumnDef,
  type ColumnFiltersState,
  type ColumnHelper,
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createPaginatedRowModel,
  createSortedRowModel,
  type PaginationState,
  type ReactTable,
  type RowData,
  rowPaginationFeature,
  rowSortingFeature,
  type SortingState,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import { type HTMLAttributes, type ReactNode, useState } from 'react';
import { Button } from './button';

/** What a column may say about its cells beyond TanStack's own definition. */
type DataColumnMeta = {
  /** Class of its header and cells: `mono`, `cell-check`, `cell-actions`, ... */
  className?: string;
};

/**
 * The one feature set of every dashboard table: sorting, column filters and pages, processed in the
 * browser (a list query returns the whole list; 10,000 rows sort and filter in a few milliseconds, and a
 * page of rows is all the DOM holds).
 */
export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic, datetime: sortFn_datetime },
  columnFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  rowPaginationFeature,
  paginatedRowModel: createPaginatedRowModel(),
  columnMeta: {} as DataColumnMeta,
});

type Features = typeof dataTableFeatures;
// biome-ignore lint/suspicious/noExplicitAny: each column has its own value type; TanStack's `columns()` types a list so too.
export type DataTableColumn<TData extends RowData> = ColumnDef<Features, TData, any>;
export type DataTableInstance<TData extends RowData> = ReactTable<Features, TData>;

/** Typed column builders for rows of `TData` (`helper.accessor('id', {...})`, `helper.display(...)`). */
export const createDataColumns = <TData extends RowData>(): ColumnHelper<Features, TData> =>
  createColumnHelper<Features, TData>();

export const pageSizes = [25, 50, 100, 200] as const;

/**
 * A table's state and row models. Filters are the page's (its toolbar owns them); sorting and the page
 * are the table's. A change of filter or sorting goes back to the first page; a live refresh of the rows
 * keeps the page (and shows the last one when the list got shorter).
 */
export const useDataTable = <TData extends RowData>({
  data,
  columns,
  getRowId,
  columnFilters = noFilters,
  initialSorting = noSorting,
  pageSize = 50,
}: {
  /** Stable between renders (a query's data, or a memo): a new array recomputes every row model. */
  data: readonly TData[];
  columns: readonly DataTableColumn<TData>[];
  getRowId: (row: TData) => string;
  columnFilters?: ColumnFiltersState;
  initialSorting?: SortingState;
  pageSize?: number;
}) => {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize });
  const [seenFilters, setSeenFilters] = useState(columnFilters);
  if (seenFilters !== columnFilters) {
    setSeenFilters(columnFilters);
    setPagination((previous) => ({ ...previous, pageIndex: 0 }));
  }
  const table = useTable({
    features: dataTableFeatures,
    columns: columns as DataTableColumn<TData>[],
    data: data as TData[],
    getRowId: (row) => getRowId(row),
    state: { sorting, pagination, columnFilters },
    onSortingChange: (updater) => {
      setSorting(updater);
      setPagination((previous) => ({ ...previous, pageIndex: 0 }));
    },
    onPaginationChange: setPagination,
    autoResetPageIndex: false,
  });
  const lastPage = Math.max(table.getPageCount() - 1, 0);
  if (pagination.pageIndex > lastPage) setPagination((previous) => ({ ...previous, pageIndex: lastPage }));
  return table;
};

const noFilters: ColumnFiltersState = [];
const noSorting: SortingState = [];

const sortLabels = { asc: 'ascending', desc: 'descending' } as const;

/** A column header: a button that cycles the sort when the column sorts, plain text otherwise. */
const HeaderCell = <TData extends RowData>({
  table,
  header,
}: {
  table: DataTableInstance<TData>;
  header: ReturnType<DataTableInstance<TData>['getHeaderGroups']>[number]['headers'][number];
}) => {
  const { column } = header;
  const sorted = column.getIsSorted();
  const className = column.columnDef.meta?.className;
  if (header.isPlaceholder) return <th className={className} />;
  if (!column.getCanSort())
    return (
      <th className={className}>
        <table.FlexRender header={header} />
      </th>
    );
  return (
    <th className={className} aria-sort={sorted ? sortLabels[sorted] : 'none'} data-column={column.id}>
      <button
        type="button"
        className="th-sort"
        onClick={column.getToggleSortingHandler()}
        data-testid={`sort-${column.id}`}
      >
        <table.FlexRender header={header} />
        <span className="th-sort-mark" aria-hidden="true">
          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
};

/**
 * Renders a table made by useDataTable: sortable headers (`aria-sort`), the current page of rows, and
 * `empty` when no row passes the filters. `rowProps` adds attributes to each row (test ids, selection).
 */
export const DataTable = <TData extends RowData>({
  table,
  testId,
  rowProps,
  empty,
}: {
  table: DataTableInstance<TData>;
  testId: string;
  rowProps?: (row: TData) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  empty?: ReactNode;
}) => {
  const rows = table.getRowModel().rows;
  if (rows.length === 0 && empty) return <>{empty}</>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <HeaderCell key={header.id} table={table} header={header} />
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} {...rowProps?.(row.original)}>
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className={cell.column.columnDef.meta?.className}>
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

/** Where the page is in the rows that pass the filters, the page size, and the buttons to move. */
export const DataTablePager = <TData extends RowData>({
  table,
  summary,
}: {
  table: DataTableInstance<TData>;
  /** What the rows are, e.g. "3 of 12 instances · 2 selected". */
  summary: ReactNode;
}) => {
  const { pageIndex, pageSize } = table.state.pagination;
  const total = table.getFilteredRowModel().rows.length;
  const first = total === 0 ? 0 : pageIndex * pageSize + 1;
  const last = Math.min(total, (pageIndex + 1) * pageSize);
  const pageCount = Math.max(table.getPageCount(), 1);
  return (
    <div className="table-footer pager" data-testid="table-pager">
      <span>{summary}</span>
      <span className="spacer" />
      {total > pageSizes[0] ? (
        <>
          <span className="muted" data-testid="page-range">
            {first}–{last} of {total}
          </span>
          <select
            className="select select-sm"
            aria-label="Rows per page"
            value={pageSize}
            onChange={(event) => table.setPageSize(Number(event.target.value))}
          >
            {pageSizes.map((size) => (
              <option key={size} value={size}>
                {size} per page
              </option>
            ))}
          </select>
          <Button
            size="sm"
            onClick={() => table.previousPage()}
            disabled={!table.getCanPreviousPage()}
            aria-label="Previous page"
          >
            ‹
          </Button>
          <span className="muted" data-testid="page-number">
            Page {pageIndex + 1} of {pageCount}
          </span>
          <Button
            size="sm"
            onClick={() => table.nextPage()}
            disabled={!table.getCanNextPage()}
            aria-label="Next page"
          >
            ›
          </Button>
        </>
      ) : null}
    </div>
  );
};
