import { describe, expect, it } from 'vitest';
import { parseNftMapJson, renderNftElementsScript, renderNftTableScript } from './nft-rules.js';

const web = {
  instanceId: 'web-1',
  instanceAddr: '10.0.0.2',
  hostPort: 80,
  instancePort: 8080,
  protocol: 'tcp' as const,
};
const dns = {
  instanceId: 'dns-1',
  instanceAddr: '10.0.0.3',
  hostPort: 53,
  instancePort: 5353,
  protocol: 'udp' as const,
};

describe('nftables port mapping rules', () => {
  it('write one transaction of only the changed elements, deletions first, each tagged with its instance', () => {
    expect(renderNftElementsScript({ removed: [dns], added: [web] })).toBe(
      'delete element ip kudo hostports { udp . 53 }\n' +
        'add element ip kudo hostports { tcp . 80 comment "kudo:instance=web-1" : 10.0.0.2 . 8080 }\n',
    );
    expect(renderNftElementsScript({ removed: [], added: [] })).toBe('');
  });

  it('rewrite the DNAT rules without touching the map elements, for local destinations only', () => {
    const script = renderNftTableScript();
    expect(script).not.toMatch(/flush (map|set|table)/);
    expect(script.match(/fib daddr type local .* map @hostports/g)).toHaveLength(2);
  });

  it('read back the elements nft -j lists, skipping those not tagged by us', () => {
    const listed = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        {
          map: {
            family: 'ip',
            name: 'hostports',
            table: 'kudo',
            elem: [
              [
                { elem: { val: { concat: ['udp', 53] }, comment: 'kudo:instance=dns-1' } },
                { concat: ['10.0.0.3', 5353] },
              ],
              [
                { elem: { val: { concat: ['tcp', 80] }, comment: 'kudo:instance=web-1' } },
                { concat: ['10.0.0.2', 8080] },
              ],
              [{ concat: ['tcp', 81] }, { concat: ['10.0.0.9', 81] }],
            ],
          },
        },
      ],
    });
    expect(parseNftMapJson(listed)).toEqual([dns, web]);
    expect(parseNftMapJson(JSON.stringify({ nftables: [{ metainfo: {} }] }))).toEqual([]);
  });
});
