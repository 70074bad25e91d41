import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetcoreError } from './errors.js';
import { ping, snapshotKernel } from './testing/index.js';
import { describeWithNamespaces, useTestLab } from './testing/test-lab.js';

const id = fc.oneof(
  fc.constantFrom(
    'eth0',
    'lo',
    'kudob3a43509570',
    '-rf',
    '--help',
    'a;reboot',
    '$(id)',
    'x'.repeat(63),
    'x'.repeat(64),
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.string({ maxLength: 12 }),
);
const cidr = fc.oneof(
  fc.integer({ min: 0, max: 260 }).map((host) => `10.0.0.${host}/24`),
  fc.constantFrom('10.0.0.7/25', '10.0.1.7/24', 'x', '10.0.0.7'),
);
const port = fc.oneof(fc.integer({ min: 0, max: 65_540 }), fc.constantFrom(22, 80, 80, 443));

describeWithNamespaces('hostile input against a real node (property-based)', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');

  beforeAll(async () => {
    await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24' });
    await net().setupInstance({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'resident',
      instanceIpCidr: '10.0.0.254/24',
      ports: [{ hostPort: 80, instancePort: 80 }],
    });
  });
  afterAll(async () => {
    await net().cleanInstance({ instanceId: 'resident' });
    await net().cleanNode({ nodeId: 'node1' });
  });

  it('each input is accepted and works, or refused with a typed error and no change; nothing foreign is touched', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        id,
        cidr,
        fc.array(fc.record({ hostPort: port, instancePort: port, protocol: fc.constantFrom('tcp', 'udp') }), {
          maxLength: 2,
        }),
        async (instanceId, instanceIpCidr, ports) => {
          const before = await snapshotKernel({ namespace: namespace() });
          const outcome = await net()
            .setupInstance({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instanceId, instanceIpCidr, ports })
            .then(
              (result) => ({ result }),
              (error: unknown) => ({ error }),
            );
          if ('error' in outcome) {
            refused += 1;
            expect(outcome.error).toBeInstanceOf(NetcoreError);
            expect(['INVALID_INPUT', 'CONFLICT']).toContain((outcome.error as NetcoreError).code);
            expect(await snapshotKernel({ namespace: namespace() })).toEqual(before);
            return;
          }
          accepted += 1;
          const during = await snapshotKernel({ namespace: namespace() });
          const foreign = (snapshot: typeof before) =>
            snapshot.links.filter((link) => !/^kudov/.test(link.name));
          expect(foreign(during)).toEqual(foreign(before));
          expect(during.rules.filter((rule) => !rule.includes(`"kudo:instance=${instanceId}"`))).toEqual(
            before.rules,
          );
          expect(await ping({ from: outcome.result.namespaceName, to: '10.0.0.1' })).toBe(true);
          await net().cleanInstance({ instanceId });
          expect(await snapshotKernel({ namespace: namespace() })).toEqual(before);
        },
      ),
      // An id that prefixes the resident's ('re' of 'resident') must leave the resident's rules alone.
      { numRuns: 60, examples: [['re', '10.0.0.2/24', []]] },
    );
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });
});
