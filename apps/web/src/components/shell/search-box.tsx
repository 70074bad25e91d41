'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import {
  type KeyboardEvent,
  type RefObject,
  useDeferredValue,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { type RouterOutputs, useTRPC } from '../../client/trpc';
import { SearchIcon } from '../ui/icons';
import './search-box.css';

type SearchResult = RouterOutputs['search']['query'][number];

/** Whether a key press is typing into a field (where `/` is a character, not the shortcut). */
const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** `/` (outside a field) or Ctrl-K / ⌘-K anywhere focuses the search box. */
const useSearchShortcut = (input: RefObject<HTMLInputElement | null>) =>
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const isCtrlK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k';
      if (!isCtrlK && !(event.key === '/' && !isTyping(event.target))) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [input]);

const keyOf = (result: SearchResult) =>
  result.kind === 'port-mapping'
    ? `port:${result.nodeId}:${result.protocol}:${result.hostPort}`
    : result.kind === 'node'
      ? `node:${result.nodeId}`
      : `instance:${result.instanceId}`;

const ResultLabel = ({ result }: { result: SearchResult }) => {
  if (result.kind === 'port-mapping')
    return (
      <>
        <span className="search-kind">port</span>
        <span className="mono">
          {result.nodeId}:{result.hostPort}/{result.protocol}
        </span>
        <span className="search-detail">
          → <span className="mono">{result.instanceId}</span>:{result.instancePort}
        </span>
      </>
    );
  return (
    <>
      <span className="search-kind">{result.kind}</span>
      <span className="mono">{result.kind === 'node' ? result.nodeId : result.instanceId}</span>
      <span className="search-detail">
        {result.field === 'id' ? (result.kind === 'instance' ? `on ${result.nodeId}` : '') : null}
        {result.field !== 'id' ? (
          <>
            {result.field} <span className="mono">{result.value}</span>
          </>
        ) : null}
      </span>
    </>
  );
};

/**
 * The shell's one search box: nodes, instances, addresses, namespaces, container ids and host ports across
 * the cluster (`8080` lists every mapping of host port 8080, per node). Results are links to their pages;
 * arrows move, Enter opens, Escape closes.
 */
export const SearchBox = () => {
  const trpc = useTRPC();
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [text, setText] = useState('');
  const [isOpen, setOpen] = useState(false);
  const [activeIndex, setActiveIndex] = useState(0);
  const query = useDeferredValue(text.trim());
  useSearchShortcut(input);
  const search = useQuery({
    ...trpc.search.query.queryOptions({ text: query }),
    enabled: query.length > 0,
    placeholderData: keepPreviousData,
  });
  const results = query ? (search.data ?? []) : [];
  const close = () => {
    setOpen(false);
    setText('');
    input.current?.blur();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowDown') setActiveIndex((index) => Math.min(index + 1, results.length - 1));
    else if (event.key === 'ArrowUp') setActiveIndex((index) => Math.max(index - 1, 0));
    else if (event.key === 'Enter' && results[activeIndex]) {
      router.push(results[activeIndex].href);
      close();
    } else return;
    event.preventDefault();
  };
  return (
    <div className="search-box">
      <SearchIcon />
      <input
        ref={input}
        type="search"
        className="search-input"
        placeholder="Search the cluster"
        title="Nodes, instances, addresses, namespaces, container ids, host ports (/ or Ctrl-K)"
        aria-label="Search the cluster"
        aria-controls={listId}
        aria-expanded={isOpen && query.length > 0}
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setActiveIndex(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
        data-testid="search-input"
      />
      <kbd className="search-shortcut" title="Press / or Ctrl-K to search">
        /
      </kbd>
      {isOpen && query ? (
        <div className="search-results" id={listId} data-testid="search-results">
          {search.error ? <div className="search-empty">Search failed: {search.error.message}</div> : null}
          {search.data && results.length === 0 ? (
            <div className="search-empty">Nothing in the cluster matches “{query}”</div>
          ) : null}
          <ul>
            {results.map((result, index) => (
              <li key={keyOf(result)}>
                <Link
                  href={result.href}
                  className="search-result"
                  aria-selected={index === activeIndex}
                  data-kind={result.kind}
                  // Before the input's blur closes the list.
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={close}
                >
                  <ResultLabel result={result} />
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
};
