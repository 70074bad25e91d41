import fc from 'fast-check';
import { IPv4CidrRange } from 'ip-num';
import { describe, expect, it } from 'vitest';
import {
  doNetworksOverlap,
  isAddressInNetwork,
  isIpv4Address,
  isIpv4Cidr,
  parseHostCidr,
} from './addressing.js';

describe('addressing', () => {
  it('accepts only dotted-quad IPv4 addresses and CIDRs', () => {
    expect(isIpv4Address('10.0.0.1')).toBe(true);
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', '', 'a.b.c.d', '10.0.0.1/24'])
      expect(isIpv4Address(bad)).toBe(false);
    expect(isIpv4Cidr('10.0.0.1/24')).toBe(true);
    for (const bad of ['10.0.0.1', '10.0.0.1/33', '10.0.0.1/', '10.0.0.1/24/1', '10.0.0.1/x'])
      expect(isIpv4Cidr(bad)).toBe(false);
  });

  it('parses a host CIDR into its network and broadcast', () => {
    expect(parseHostCidr('10.0.1.7/24')).toEqual({
      address: '10.0.1.7',
      prefixLength: 24,
      network: '10.0.1.0/24',
      networkAddress: '10.0.1.0',
      broadcastAddress: '10.0.1.255',
    });
  });

  it('knows containment and overlap', () => {
    expect(isAddressInNetwork({ address: '10.0.0.9', network: '10.0.0.1/24' })).toBe(true);
    expect(isAddressInNetwork({ address: '10.0.1.9', network: '10.0.0.1/24' })).toBe(false);
    expect(doNetworksOverlap({ a: '10.0.0.0/16', b: '10.0.3.0/24' })).toBe(true);
    expect(doNetworksOverlap({ a: '10.0.3.0/24', b: '10.0.0.0/16' })).toBe(true);
    expect(doNetworksOverlap({ a: '10.0.3.0/24', b: '10.0.4.0/24' })).toBe(false);
  });
});

describe('parseHostCidr against ip-num', () => {
  it('gives the network and broadcast address ip-num gives, for any address and prefix', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        const range = IPv4CidrRange.fromCidr(`${address}/${prefix}`);
        expect(parseHostCidr(`${address}/${prefix}`)).toEqual({
          address,
          prefixLength: prefix,
          network: `${range.getFirst().toString()}/${prefix}`,
          networkAddress: range.getFirst().toString(),
          broadcastAddress: range.getLast().toString(),
        });
        expect(isAddressInNetwork({ address, network: `${range.getFirst().toString()}/${prefix}` })).toBe(
          true,
        );
      }),
      { numRuns: 2000 },
    );
  });
});
