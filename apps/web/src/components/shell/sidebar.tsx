'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
import { useLiveRefresh, useLiveUpdates } from '../../client/live-updates';
import { roleLabels, useSessionUser } from '../../client/session-context';
import { useTRPC } from '../../client/trpc';
import { ThemeToggle } from '../theme/theme-toggle';
import {
  EventsIcon,
  InstanceIcon,
  KudoMark,
  LockIcon,
  NodeIcon,
  OverviewIcon,
  PortIcon,
  SessionIcon,
  TopologyIcon,
  UserIcon,
  UsersIcon,
} from '../ui/icons';
import { SearchBox } from './search-box';

const isCurrent = ({ pathname, href }: { pathname: string; href: string }) =>
  href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);

const LiveToggle = () => {
  const { isPaused, setPaused, status } = useLiveUpdates();
  const label = {
    live: 'Live updates on',
    connecting: 'Connecting…',
    paused: 'Live updates paused',
    error: 'Reconnecting…',
  }[status];
  return (
    <button
      type="button"
      className="live-toggle"
      onClick={() => setPaused(!isPaused)}
      aria-pressed={!isPaused}
      data-testid="live-toggle"
      data-status={status}
      title={isPaused ? 'Resume live updates' : 'Pause live updates (the page keeps what it shows)'}
    >
      <span className={`live-dot ${status}`} aria-hidden="true" />
      <span>{label}</span>
      <span className="spacer" />
      <span className="subtle">{isPaused ? 'Resume' : 'Pause'}</span>
    </button>
  );
};

const UserChip = () => {
  const user = useSessionUser();
  const [isSigningOut, setSigningOut] = useState(false);
  const signOut = async () => {
    setSigningOut(true);
    await fetch('/api/auth/sign-out', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    // A full load: no page or cached data of the signed-out user stays in memory.
    window.location.assign('/sign-in');
  };
  return (
    <div className="user-chip">
      <span className="avatar" aria-hidden="true">
        {user.name.slice(0, 1)}
      </span>
      <div>
        <div data-testid="user-name">{user.name}</div>
        <div className="role">{roleLabels[user.role]}</div>
      </div>
      <button type="button" className="sign-out" onClick={signOut} disabled={isSigningOut}>
        Sign out
      </button>
    </div>
  );
};

/** The dashboard's navigation, live-update switch and signed-in user. */
export const Sidebar = () => {
  const pathname = usePathname();
  const trpc = useTRPC();
  const refresh = useLiveRefresh(15_000);
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const mappings = useQuery({ ...trpc.portMapping.list.queryOptions(), ...refresh });
  const user = useSessionUser();
  const links = [
    { href: '/', label: 'Overview', icon: <OverviewIcon /> },
    { href: '/topology', label: 'Topology', icon: <TopologyIcon /> },
    { href: '/nodes', label: 'Nodes', icon: <NodeIcon />, count: nodes.data?.length },
    { href: '/instances', label: 'Instances', icon: <InstanceIcon />, count: instances.data?.length },
    { href: '/port-mappings', label: 'Port mappings', icon: <PortIcon />, count: mappings.data?.length },
    { href: '/events', label: 'Events', icon: <EventsIcon /> },
  ];
  const accountLinks = [
    { href: '/account', label: 'My account', icon: <UserIcon /> },
    { href: '/api-tokens', label: 'API tokens', icon: <LockIcon /> },
    // Only admins manage users and see everyone's sessions (the server refuses others anyway).
    ...(user.role === 'admin'
      ? [
          { href: '/users', label: 'Users', icon: <UsersIcon /> },
          { href: '/sessions', label: 'Sessions', icon: <SessionIcon /> },
        ]
      : []),
  ];
  return (
    <aside className="sidebar">
      <div className="brand">
        <KudoMark />
        <div>
          Kudo Network
          <small>Cluster control plane</small>
        </div>
      </div>
      <SearchBox />
      <nav className="nav" aria-label="Main">
        <div className="nav-section">Cluster</div>
        {links.map((link) => (
          <Link
            key={link.href}
            href={link.href}
            className="nav-link"
            aria-current={isCurrent({ pathname, href: link.href }) ? 'page' : undefined}
          >
            {link.icon}
            {link.label}
            {link.count !== undefined ? <span className="nav-count">{link.count}</span> : null}
          </Link>
        ))}
        <div className="nav-section">Account</div>
        {accountLinks.map((link) => (
          <Link
            key={link.href}
            href={link.href}
            className="nav-link"
            aria-current={isCurrent({ pathname, href: link.href }) ? 'page' : undefined}
          >
            {link.icon}
            {link.label}
          </Link>
        ))}
      </nav>
      <div className="sidebar-footer">
        <LiveToggle />
        <ThemeToggle />
        <UserChip />
      </div>
    </aside>
  );
};
