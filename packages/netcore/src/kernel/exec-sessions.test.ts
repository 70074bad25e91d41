import { expect, it } from 'vitest';
import { canStartLiterally, isPlainWord } from './exec-sessions.js';

it('takes as plain only words a shell reads literally', () => {
  for (const word of [
    'ip',
    '-force',
    '--net=/run/netns/kudo-lab-x-i-web-1-93aa5c5f',
    '/dev/shm/kudo-exec-Ab3/input',
    '10',
  ])
    expect(isPlainWord(word)).toBe(true);
  for (const word of [
    '',
    'a b',
    "it's",
    '"x"',
    'a;b',
    '$(id)',
    '`id`',
    'a*',
    '~root',
    'a|b',
    'a&b',
    'a>b',
    'a\\b',
    'a\nb',
    '#x',
  ])
    expect(isPlainWord(word)).toBe(false);
});

it('starts a command literally only when its program, arguments and namespace are all plain', () => {
  expect(canStartLiterally({ namespace: 'kudo-node1', file: 'iptables-restore', args: ['--noflush'] })).toBe(
    true,
  );
  expect(canStartLiterally({ namespace: undefined, file: 'iptables-restore', args: ['--noflush'] })).toBe(
    true,
  );
  expect(canStartLiterally({ namespace: 'kudo node1', file: 'ip', args: [] })).toBe(false);
  expect(canStartLiterally({ namespace: 'kudo-node1', file: 'ip', args: ['a;reboot'] })).toBe(false);
});
