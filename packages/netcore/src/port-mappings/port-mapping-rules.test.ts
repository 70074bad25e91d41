import { describe, expect, it } from 'vitest';
import { invertScript, renderRestoreScript, renderRuleArguments } from '../kernel/restore-script.js';
import { parseIptablesSave } from '../kernel/saved-rules.js';
import {
  getHostPortBucketChain,
  hostPortBucketChains,
  hostPortBucketCount,
  isHostPortChain,
  renderBucketJump,
} from './host-port-chains.js';
import {
  findHostPortConflict,
  listPortMappings,
  listReachablePortMappings,
  parsePortMappingRule,
  renderPortMappingRule,
  renderPortMappingsScript,
  renderPortMappingsScripts,
} from './port-mapping-rules.js';

const savedWith = (lines: string[]) =>
  parseIptablesSave(`*nat\n:KUDO-HOSTPORTS - [0:0]\n${lines.join('\n')}\nCOMMIT\n`);
const rule = (id: string, hostPort: number, addr = '10.0.0.2', port = 8080, protocol = 'tcp') =>
  `-A KUDO-HOSTPORTS -p ${protocol} -m ${protocol} --dport ${hostPort} -m comment --comment kudo:instance=${id} -j DNAT --to-destination ${addr}:${port}`;

/** An instance's bucket chain and its jump, as a node that already holds its mappings has them. */
const bucketOf = (id: string) => {
  const bucket = getHostPortBucketChain(id);
  return [`:${bucket} - [0:0]`, `-A KUDO-HOSTPORTS ${renderRuleArguments(renderBucketJump(bucket))}`];
};

describe('port mapping rules', () => {
  it('render and parse back the same mapping', () => {
    const mapping = {
      instanceId: 'web-1',
      instanceAddr: '10.0.0.2',
      hostPort: 80,
      instancePort: 8080,
      protocol: 'udp' as const,
    };
    expect(parsePortMappingRule(renderPortMappingRule(mapping))).toEqual(mapping);
    expect(parsePortMappingRule(['-j', 'MASQUERADE'])).toBeUndefined();
  });

  it('find a host port taken by another instance, per protocol', () => {
    const saved = savedWith([rule('web-1', 80)]);
    expect(
      findHostPortConflict({
        saved,
        instanceId: 'api-1',
        ports: [
          { hostPort: 81, instancePort: 1, protocol: 'tcp' },
          { hostPort: 80, instancePort: 1, protocol: 'tcp' },
        ],
      }),
    ).toEqual({
      index: 1,
      port: { hostPort: 80, instancePort: 1, protocol: 'tcp' },
      owner: 'web-1',
    });
    expect(
      findHostPortConflict({
        saved,
        instanceId: 'api-1',
        ports: [{ hostPort: 80, instancePort: 1, protocol: 'udp' }],
      }),
    ).toBeUndefined();
    expect(
      findHostPortConflict({
        saved,
        instanceId: 'web-1',
        ports: [{ hostPort: 80, instancePort: 1, protocol: 'tcp' }],
      }),
    ).toBeUndefined();
  });

  it('write only the difference, whatever the number of other mappings', () => {
    const others = Array.from({ length: 1000 }, (_, index) =>
      rule(`other-${index}`, 10_000 + index, '10.0.0.9'),
    );
    const saved = savedWith([
      ...bucketOf('web-1'),
      ...others,
      rule('web-1', 80),
      rule('web-1', 443, '10.0.0.2', 8443),
    ]);
    const { script, removed, added } = renderPortMappingsScript({
      saved,
      instanceId: 'web-1',
      instanceAddr: '10.0.0.2',
      ports: [
        { hostPort: 80, instancePort: 8080, protocol: 'tcp' },
        { hostPort: 8000, instancePort: 8000, protocol: 'tcp' },
      ],
    });
    expect(script.changes.map((change) => `${change.action} ${change.rule.join(' ')}`)).toEqual([
      'delete -p tcp -m tcp --dport 443 -m comment --comment kudo:instance=web-1 -j DNAT --to-destination 10.0.0.2:8443',
      'append -p tcp -m tcp --dport 8000 -m comment --comment kudo:instance=web-1 -j DNAT --to-destination 10.0.0.2:8000',
    ]);
    expect(removed).toHaveLength(1);
    expect(added).toHaveLength(1);
  });
});

describe('port mapping buckets', () => {
  const bucket = getHostPortBucketChain('web-1');
  const inBucket = (chain: string, line: string) => line.replace('-A KUDO-HOSTPORTS ', `-A ${chain} `);

  it('spread instances over 64 chains, one per instance, all recognised as host-port chains', () => {
    const buckets = new Set(Array.from({ length: 1000 }, (_, index) => getHostPortBucketChain(`i-${index}`)));
    expect(buckets.size).toBe(hostPortBucketCount);
    expect([...buckets].every((chain) => hostPortBucketChains.includes(chain))).toBe(true);
    expect(getHostPortBucketChain('web-1')).toBe(bucket);
    expect(hostPortBucketChains.every(isHostPortChain)).toBe(true);
    expect(isHostPortChain('KUDO-HOSTPORTS')).toBe(true);
    expect(isHostPortChain('KUDO-HOSTPORTS-4x')).toBe(false);
    expect(isHostPortChain('KUDO-POSTROUTING')).toBe(false);
  });

  it('add to the instance bucket, and remove from the chain that holds the rule', () => {
    const saved = parseIptablesSave(
      [
        '*nat',
        ':KUDO-HOSTPORTS - [0:0]',
        ...bucketOf('web-1'),
        inBucket(bucket, rule('web-1', 80)),
        rule('web-1', 443, '10.0.0.2', 8443),
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(listPortMappings(saved).map(({ chain, mapping }) => `${chain} ${mapping.hostPort}`)).toEqual([
      `${bucket} 80`,
      'KUDO-HOSTPORTS 443',
    ]);
    const { script } = renderPortMappingsScript({
      saved,
      instanceId: 'web-1',
      instanceAddr: '10.0.0.2',
      ports: [{ hostPort: 8000, instancePort: 8000, protocol: 'tcp' }],
    });
    expect(script.changes.map(({ action, chain, rule }) => `${action} ${chain} ${rule[5]}`)).toEqual([
      `delete ${bucket} 80`,
      'delete KUDO-HOSTPORTS 443',
      `append ${bucket} 8000`,
    ]);
  });
});

describe('port mapping bucket chains and jumps', () => {
  const port = (hostPort: number) => ({ hostPort, instancePort: 8080, protocol: 'tcp' as const });
  const render = (saved: ReturnType<typeof savedWith>, instanceId: string, hostPorts: number[]) =>
    renderPortMappingsScript({ saved, instanceId, instanceAddr: '10.0.0.2', ports: hostPorts.map(port) })
      .script;
  const bucket = getHostPortBucketChain('web-1');

  it('create the bucket with -N and its jump in the transaction of its first mapping', () => {
    const script = render(savedWith([]), 'web-1', [8090]);
    expect(renderRestoreScript(script).split('\n')).toEqual([
      '*nat',
      `-N ${bucket}`,
      `-A ${bucket} -p tcp -m tcp --dport 8090 -m comment --comment kudo:instance=web-1 -j DNAT --to-destination 10.0.0.2:8080`,
      `-A KUDO-HOSTPORTS -m comment --comment "kudo:node port mappings ${bucket}" -j ${bucket}`,
      'COMMIT',
      '',
    ]);
  });

  it('add the lost jump back for an instance whose rules are in place, and nothing else', () => {
    const saved = savedWith([
      `:${bucket} - [0:0]`,
      rule('web-1', 8090).replace('-A KUDO-HOSTPORTS ', `-A ${bucket} `),
    ]);
    expect(listPortMappings(saved)).toHaveLength(1);
    expect(listReachablePortMappings(saved)).toEqual([]);
    const script = render(saved, 'web-1', [8090]);
    expect(script.createdChains).toBeUndefined();
    expect(script.changes.map(({ chain, rule }) => `${chain} ${rule.at(-1)}`)).toEqual([
      `KUDO-HOSTPORTS ${bucket}`,
    ]);
  });

  it('leave the bucket and its jump alone when in place, also when the last mapping goes', () => {
    const inBucket = (line: string) => line.replace('-A KUDO-HOSTPORTS ', `-A ${bucket} `);
    const saved = savedWith([...bucketOf('web-1'), inBucket(rule('web-1', 8090))]);
    expect(listReachablePortMappings(saved)).toHaveLength(1);
    expect(render(saved, 'web-1', [8090]).changes).toEqual([]);
    expect(render(savedWith([]), 'web-1', []).changes).toEqual([]);
    const lastGone = render(saved, 'web-1', []);
    expect(renderRestoreScript(lastGone).split('\n')).toEqual([
      '*nat',
      `-D ${bucket} -p tcp -m tcp --dport 8090 -m comment --comment kudo:instance=web-1 -j DNAT --to-destination 10.0.0.2:8080`,
      'COMMIT',
      '',
    ]);
  });

  it('create a bucket and its jump once for several instances of it in one batch, and undo both', () => {
    const sameBucket = Array.from({ length: 1000 }, (_, index) => `i-${index}`).filter(
      (id) => getHostPortBucketChain(id) === bucket,
    );
    const { script } = renderPortMappingsScripts({
      saved: savedWith([]),
      instances: [...sameBucket.slice(0, 2), 'web-1'].map((instanceId, index) => ({
        instanceId,
        instanceAddr: '10.0.0.2',
        ports: [port(9000 + index)],
      })),
    });
    expect(script.createdChains).toEqual([{ table: 'nat', chain: bucket }]);
    expect(script.changes.filter(({ chain }) => chain === 'KUDO-HOSTPORTS')).toHaveLength(1);
    expect(script.changes.filter(({ chain }) => chain === bucket)).toHaveLength(3);
    const undo = renderRestoreScript(invertScript(script));
    expect(undo).toContain(
      `-D KUDO-HOSTPORTS -m comment --comment "kudo:node port mappings ${bucket}" -j ${bucket}`,
    );
    expect(undo.trim().split('\n').slice(-2)).toEqual([`-X ${bucket}`, 'COMMIT']);
  });
});
