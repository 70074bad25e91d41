import { describe, expect, it } from 'vitest';
import { readNetnsPid, renderExternalVethLines } from './external-veth.js';

describe("a runtime's namespace named by process id", () => {
  it('reads the process id of /proc/PID/ns/net only', () => {
    expect(readNetnsPid('/proc/4242/ns/net')).toBe(4242);
    for (const path of [
      '/run/netns/cni-1',
      '/proc/self/ns/net',
      '/proc/0/ns/net',
      '/proc/12/ns/net/x',
      '/proc/12/ns/mnt',
    ])
      expect(readNetnsPid(path)).toBeUndefined();
  });

  it('makes the pair from the node with the inner end sent to the namespace by process id', () => {
    expect(renderExternalVethLines({ vethName: 'kv-a', interfaceName: 'net1', mtu: 1400, pid: 77 })).toEqual([
      [
        'link',
        'add',
        'kv-a',
        'mtu',
        '1400',
        'type',
        'veth',
        'peer',
        'name',
        'net1',
        'mtu',
        '1400',
        'netns',
        '77',
      ],
    ]);
  });
});
