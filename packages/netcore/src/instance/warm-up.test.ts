import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../kernel/saved-rules.js';
import { createNodeConfig } from '../node/node-config.js';
import { warmUpInstanceSetup } from './warm-up.js';

const tablesWithPortOneMapped = parseIptablesSave(
  [
    '*nat',
    ':KUDO-HP-00 - [0:0]',
    '-A KUDO-HP-00 -p tcp -m tcp --dport 1 -m comment --comment "kudo:instance=other" -j DNAT --to-destination 10.0.0.9:80',
    'COMMIT',
  ].join('\n'),
);

describe('warmUpInstanceSetup', () => {
  it.each([
    ['a /24 whose node has the first address', '10.0.0.1/24'],
    ['a /24 whose node has another address', '10.0.0.77/24'],
    ['a /30', '10.0.0.2/30'],
    ['a /31, with no room for a sample', '10.0.0.0/31'],
  ])('never throws and changes nothing it is given, on %s', (_, nodeIpCidr) => {
    const config = createNodeConfig({ nodeId: 'n1', nodeIpCidr, uplinkInterface: 'eth0', isolation: 'none' });
    const before = structuredClone({ config, tables: tablesWithPortOneMapped });
    warmUpInstanceSetup({ host: { namespace: 'kudo-x-node1' }, config, tables: tablesWithPortOneMapped });
    expect({ config, tables: tablesWithPortOneMapped }).toEqual(before);
  });
});
