import { describe, expect, it } from 'vitest';
import { NetcoreError } from './errors.js';
import { ZSetupInstanceRequest, ZSetupNodeRequest } from './schemas.js';
import { parseInput } from './validate.js';

const fieldOf = (schema: Parameters<typeof parseInput>[0]['schema'], input: unknown) => {
  try {
    parseInput({ schema, input });
    return 'accepted';
  } catch (error) {
    return error instanceof NetcoreError ? `${error.code} ${error.field}` : 'other error';
  }
};

describe('input schemas', () => {
  const instance = {
    nodeId: 'n1',
    nodeIpAddr: '10.0.0.1',
    instanceId: 'web-1',
    instanceIpCidr: '10.0.0.2/24',
  };

  it('default protocol to tcp and ports to none', () => {
    expect(
      parseInput({
        schema: ZSetupInstanceRequest,
        input: { ...instance, ports: [{ hostPort: 80, instancePort: 8080 }] },
      }).ports,
    ).toEqual([{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }]);
    expect(parseInput({ schema: ZSetupInstanceRequest, input: instance }).ports).toEqual([]);
  });

  it.each([
    [{ instanceId: '-x' }, 'INVALID_INPUT instanceId'],
    [{ instanceId: 'é' }, 'INVALID_INPUT instanceId'],
    [{ instanceId: 'a'.repeat(63) }, 'accepted'],
    [{ instanceIpCidr: '10.0.0.1/24' }, 'INVALID_INPUT instanceIpCidr'],
    [{ instanceIpCidr: '10.0.1.2/24' }, 'INVALID_INPUT instanceIpCidr'],
    [{ instanceIpCidr: '10.0.0.2/31' }, 'INVALID_INPUT instanceIpCidr'],
    [{ ports: [{ hostPort: 1.5, instancePort: 1 }] }, 'INVALID_INPUT ports.0.hostPort'],
    [{ ports: 'all' }, 'INVALID_INPUT ports'],
  ])('setupInstance %j → %s', (override, expected) => {
    expect(fieldOf(ZSetupInstanceRequest, { ...instance, ...override })).toBe(expected);
  });

  it('names the entry of a bad node in a list', () => {
    expect(
      fieldOf(ZSetupNodeRequest, {
        nodeId: 'n1',
        nodeIpCidr: '10.0.0.1/24',
        nodesIps: [{ nodeId: 'n2', nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: 'x' } }],
      }),
    ).toBe('INVALID_INPUT nodesIps.0.nodeIp.externalIpAddr');
  });
});
