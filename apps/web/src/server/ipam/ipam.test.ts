import { describe, expect, it } from 'vitest';
import { isWebError } from '../errors/web-error.js';
import {
  findFreeInstanceAddress,
  findFreeSubnet,
  getCniRange,
  getInstanceIpCidr,
  getNodeIpAddr,
  getNodeIpCidr,
  isInCniRange,
  validateClusterPlan,
  validateRequestedAddress,
  validateRequestedSubnet,
} from './ipam.js';

const plan = { clusterCidr: '10.0.0.0/16', nodePrefixLength: 24 };

const catchError = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    if (isWebError(error)) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a WebError');
};

describe('cluster plan', () => {
  it('accepts the default plan', () => {
    expect(validateClusterPlan(plan)).toEqual(plan);
  });

  it.each([
    [{ clusterCidr: '10.0.1.0/16', nodePrefixLength: 24 }, 'clusterCidr'],
    [{ clusterCidr: '10.0.0.0', nodePrefixLength: 24 }, 'clusterCidr'],
    [{ clusterCidr: '10.0.0.0/4', nodePrefixLength: 24 }, 'clusterCidr'],
    [{ clusterCidr: '10.0.0.0/16', nodePrefixLength: 12 }, 'nodePrefixLength'],
    [{ clusterCidr: '10.0.0.0/16', nodePrefixLength: 31 }, 'nodePrefixLength'],
  ])('refuses %j, naming %s', (input, field) => {
    expect(catchError(() => validateClusterPlan(input))).toMatchObject({ code: 'INVALID_INPUT', field });
  });
});

describe('node subnets', () => {
  it('carves the first subnet first, with the node address first in it', () => {
    const subnet = findFreeSubnet({ plan, usedSubnets: [] });
    expect(subnet).toBe('10.0.0.0/24');
    expect(getNodeIpAddr('10.0.0.0/24')).toBe('10.0.0.1');
    expect(getNodeIpCidr('10.0.3.0/24')).toBe('10.0.3.1/24');
  });

  it('takes the lowest subnet no node holds, reusing a released one', () => {
    expect(findFreeSubnet({ plan, usedSubnets: ['10.0.0.0/24', '10.0.1.0/24'] })).toBe('10.0.2.0/24');
    expect(findFreeSubnet({ plan, usedSubnets: ['10.0.0.0/24', '10.0.2.0/24'] })).toBe('10.0.1.0/24');
  });

  it('reports a full cluster network', () => {
    const small = { clusterCidr: '10.1.0.0/23', nodePrefixLength: 24 };
    expect(findFreeSubnet({ plan: small, usedSubnets: ['10.1.0.0/24', '10.1.1.0/24'] })).toBeUndefined();
  });

  it('carves other prefix lengths on their boundaries', () => {
    const fine = { clusterCidr: '172.16.0.0/12', nodePrefixLength: 26 };
    expect(findFreeSubnet({ plan: fine, usedSubnets: ['172.16.0.0/26'] })).toBe('172.16.0.64/26');
  });

  it('accepts a requested subnet only when it fits the plan and is free', () => {
    expect(validateRequestedSubnet({ subnet: '10.0.9.0/24', plan, usedSubnets: [] })).toBe('10.0.9.0/24');
    expect(
      catchError(() => validateRequestedSubnet({ subnet: '10.0.9.1/24', plan, usedSubnets: [] })),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'subnet' });
    expect(
      catchError(() => validateRequestedSubnet({ subnet: '10.0.9.0/25', plan, usedSubnets: [] })),
    ).toMatchObject({ code: 'INVALID_INPUT', message: 'node subnets are /24 in this cluster' });
    expect(
      catchError(() => validateRequestedSubnet({ subnet: '10.1.0.0/24', plan, usedSubnets: [] })),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'subnet' });
    expect(
      catchError(() =>
        validateRequestedSubnet({ subnet: '10.0.9.0/24', plan, usedSubnets: ['10.0.9.0/24'] }),
      ),
    ).toMatchObject({ code: 'CONFLICT', field: 'subnet' });
  });
});

describe('instance addresses', () => {
  it('starts after the node address and skips used addresses', () => {
    expect(findFreeInstanceAddress({ subnet: '10.0.1.0/24', usedAddresses: [] })).toBe('10.0.1.2');
    expect(findFreeInstanceAddress({ subnet: '10.0.1.0/24', usedAddresses: ['10.0.1.2', '10.0.1.3'] })).toBe(
      '10.0.1.4',
    );
    expect(getInstanceIpCidr({ ipAddr: '10.0.1.4', subnet: '10.0.1.0/24' })).toBe('10.0.1.4/24');
  });

  it('never hands out the broadcast address, and reports a full subnet', () => {
    const subnet = '10.0.0.0/30';
    expect(findFreeInstanceAddress({ subnet, usedAddresses: [] })).toBe('10.0.0.2');
    expect(findFreeInstanceAddress({ subnet, usedAddresses: ['10.0.0.2'] })).toBeUndefined();
  });

  it('hands out every address of a subnet once, then none', () => {
    const subnet = '10.0.4.0/27';
    const used: string[] = [];
    for (let next = findFreeInstanceAddress({ subnet, usedAddresses: used }); next; ) {
      used.push(next);
      next = findFreeInstanceAddress({ subnet, usedAddresses: used });
    }
    expect(used).toHaveLength(29);
    expect(new Set(used).size).toBe(29);
    expect(used.at(-1)).toBe('10.0.4.30');
  });

  it.each([
    ['10.0.2.5', 'INVALID_INPUT', 'is not in the node'],
    ['10.0.1.0', 'INVALID_INPUT', 'network or broadcast'],
    ['10.0.1.255', 'INVALID_INPUT', 'network or broadcast'],
    ['10.0.1.1', 'INVALID_INPUT', "node's own address"],
    ['10.0.1.7', 'CONFLICT', 'already used'],
    ['10.0.1', 'INVALID_INPUT', 'not an IPv4 address'],
  ])('refuses requested address %s (%s)', (ipAddr, code, text) => {
    const error = catchError(() =>
      validateRequestedAddress({ ipAddr, subnet: '10.0.1.0/24', usedAddresses: ['10.0.1.7'] }),
    );
    expect(error).toMatchObject({ code, field: 'ipAddr' });
    expect(error.message).toContain(text);
  });

  it('accepts a free requested address', () => {
    expect(validateRequestedAddress({ ipAddr: '10.0.1.9', subnet: '10.0.1.0/24', usedAddresses: [] })).toBe(
      '10.0.1.9',
    );
  });

  describe('the CNI range: the upper half of a node subnet, delegated to its agent', () => {
    it('is the upper half of a /24 or /26, none for smaller subnets', () => {
      expect(getCniRange('10.0.1.0/24')).toBe('10.0.1.128/25');
      expect(getCniRange('10.0.4.0/26')).toBe('10.0.4.32/27');
      expect(getCniRange('10.0.0.0/16')).toBe('10.0.128.0/17');
      expect(getCniRange('10.0.4.0/27')).toBeUndefined();
      expect(getCniRange('10.0.0.0/30')).toBeUndefined();
    });

    it('is never handed out: the control plane stops before it', () => {
      const subnet = '10.0.1.0/24';
      const used: string[] = [];
      for (let next = findFreeInstanceAddress({ subnet, usedAddresses: used }); next; ) {
        used.push(next);
        next = findFreeInstanceAddress({ subnet, usedAddresses: used });
      }
      expect(used).toHaveLength(126);
      expect(used.at(-1)).toBe('10.0.1.127');
      expect(used.some((ipAddr) => isInCniRange({ ipAddr, subnet }))).toBe(false);
    });

    it.each(['10.0.1.128', '10.0.1.200', '10.0.1.254'])('refuses requested address %s in it', (ipAddr) => {
      const error = catchError(() =>
        validateRequestedAddress({ ipAddr, subnet: '10.0.1.0/24', usedAddresses: [] }),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'ipAddr' });
      expect(error.message).toContain('10.0.1.128/25');
    });

    it('accepts the last address below it', () => {
      expect(
        validateRequestedAddress({ ipAddr: '10.0.1.127', subnet: '10.0.1.0/24', usedAddresses: [] }),
      ).toBe('10.0.1.127');
    });
  });
});
