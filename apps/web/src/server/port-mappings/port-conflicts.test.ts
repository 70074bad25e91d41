import { describe, expect, it } from 'vitest';
import { findPortConflict } from './port-conflicts.js';

const taken = [
  { protocol: 'tcp', hostPort: 80, instanceId: 'web-1' },
  { protocol: 'udp', hostPort: 53, instanceId: 'dns-1' },
];

describe('host-port conflicts', () => {
  it('names the first conflicting port, its field and its owner', () => {
    const conflict = findPortConflict({
      ports: [
        { hostPort: 8080, instancePort: 80, protocol: 'tcp' },
        { hostPort: 80, instancePort: 8080, protocol: 'tcp' },
      ],
      taken,
      instanceId: 'web-2',
      nodeId: 'node1',
    });
    expect(conflict).toMatchObject({
      code: 'CONFLICT',
      field: 'ports.1.hostPort',
      message: "host port tcp/80 on node node1 is already mapped to instance 'web-1'",
    });
  });

  it('tells protocols apart', () => {
    expect(
      findPortConflict({
        ports: [{ hostPort: 53, instancePort: 53, protocol: 'tcp' }],
        taken,
        instanceId: 'web-2',
        nodeId: 'node1',
      }),
    ).toBeUndefined();
  });

  it("ignores the instance's own mappings, so it can keep or change them", () => {
    expect(
      findPortConflict({
        ports: [{ hostPort: 80, instancePort: 9090, protocol: 'tcp' }],
        taken,
        instanceId: 'web-1',
        nodeId: 'node1',
      }),
    ).toBeUndefined();
  });
});
