import { expect, it } from 'vitest';
import { parseDeletedLink } from './link-monitor.js';

it('reads the name of a deleted link from ip monitor, and nothing from other messages', () => {
  expect(parseDeletedLink('Deleted 12: kudo1a2b3c@if3: <BROADCAST,MULTICAST> mtu 1500 master kudobr0')).toBe(
    'kudo1a2b3c',
  );
  expect(parseDeletedLink('Deleted 7: kbra0@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop')).toBe('kbra0');
  expect(parseDeletedLink('Deleted kudobr0: <BROADCAST,MULTICAST> mtu 1500')).toBe('kudobr0');
  expect(
    parseDeletedLink('12: kudo1a2b3c@if3: <BROADCAST,MULTICAST> mtu 1500 master kudobr0'),
  ).toBeUndefined();
  expect(parseDeletedLink('    link/ether 0a:d6:41:a5:b5:78 brd ff:ff:ff:ff:ff:ff')).toBeUndefined();
});
