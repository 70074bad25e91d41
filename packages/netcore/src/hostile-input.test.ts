import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetcoreError } from './errors.js';
import { getBridgeName, getNamespaceName, getVethName, isOurInterfaceName } from './names.js';
import { ZSetupInstanceRequest, ZSetupNodeRequest } from './schemas.js';
import { parseInput } from './validate.js';

/** Ids an attacker or a careless script might send. */
const hostileId = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '-rf',
    '--help',
    '-n',
    'eth0',
    'lo',
    'kudob0123456789',
    '$(reboot)',
    '`id`',
    'a;b',
    'a b',
    'a\nb',
    '../x',
    'a/b',
    'x'.repeat(64),
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
);
const hostileCidr = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc
    .tuple(fc.integer({ min: -1, max: 300 }), fc.integer({ min: -1, max: 40 }))
    .map(([host, prefix]) => `10.0.0.${host}/${prefix}`),
  fc.constantFrom(
    '10.0.0.2/24',
    '10.0.0.2',
    '10.0.0.0/24',
    '10.0.0.255/24',
    '0.0.0.0/0',
    '10.0.0.2/24 ; rm -rf /',
    '-10.0.0.2/24',
  ),
);
const hostilePort = fc.oneof(
  fc.integer({ min: -10, max: 70_000 }),
  fc.double(),
  fc.constant(Number.NaN),
  fc.string({ maxLength: 5 }),
);

const outcomeOf = (schema: Parameters<typeof parseInput>[0]['schema'], input: unknown) => {
  try {
    return { value: parseInput({ schema, input }) as Record<string, unknown> };
  } catch (error) {
    return { error };
  }
};

describe('hostile input never gets past validation as something unsafe', () => {
  it('every input is either refused with a typed error naming a field, or safe to put in names and commands', () => {
    fc.assert(
      fc.property(
        hostileId,
        hostileId,
        hostileCidr,
        fc.array(
          fc.record({
            hostPort: hostilePort,
            instancePort: hostilePort,
            protocol: fc.oneof(fc.constantFrom('tcp', 'udp', 'icmp', 'TCP'), fc.string({ maxLength: 4 })),
          }),
          { maxLength: 3 },
        ),
        (nodeId, instanceId, instanceIpCidr, ports) => {
          const outcome = outcomeOf(ZSetupInstanceRequest, {
            nodeId,
            nodeIpAddr: '10.0.0.1',
            instanceId,
            instanceIpCidr,
            ports,
          });
          if ('error' in outcome) {
            expect(outcome.error).toBeInstanceOf(NetcoreError);
            const error = outcome.error as NetcoreError;
            expect(error.code).toBe('INVALID_INPUT');
            expect(error.field).toBeTruthy();
            return;
          }
          const value = outcome.value as {
            nodeId: string;
            instanceId: string;
            instanceIpCidr: string;
            ports: { hostPort: number; protocol: string }[];
          };
          for (const id of [value.nodeId, value.instanceId]) {
            expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
            expect(id.startsWith('-')).toBe(false);
          }
          expect(isOurInterfaceName(getVethName(value.instanceId))).toBe(true);
          expect(isOurInterfaceName(getBridgeName(value.nodeId))).toBe(true);
          expect(getNamespaceName(value.instanceId)).toMatch(/^kudo-i-[A-Za-z0-9._-]+-[0-9a-f]{8}$/);
          expect(value.instanceIpCidr).toMatch(/^10\.0\.0\.\d{1,3}\/\d{1,2}$/);
          for (const port of value.ports) {
            expect(Number.isInteger(port.hostPort) && port.hostPort >= 1 && port.hostPort <= 65535).toBe(
              true,
            );
            expect(['tcp', 'udp']).toContain(port.protocol);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('node requests: a bad entry in the list of other nodes is named by its index', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            nodeId: hostileId,
            nodeIp: fc.record({ clusterIpCidr: hostileCidr, externalIpAddr: fc.string({ maxLength: 16 }) }),
          }),
          { maxLength: 4 },
        ),
        (nodesIps) => {
          const outcome = outcomeOf(ZSetupNodeRequest, { nodeId: 'n1', nodeIpCidr: '10.0.0.1/24', nodesIps });
          if ('error' in outcome)
            expect((outcome.error as NetcoreError).field).toMatch(
              /^nodesIps(\.\d+\.(nodeId|nodeIp\.(clusterIpCidr|externalIpAddr)))?$/,
            );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
