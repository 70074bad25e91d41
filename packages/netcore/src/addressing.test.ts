import fc from 'fast-check';
import { IPv4, IPv4CidrRange, Validator } from 'ip-num';
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  doNetworksOverlap,
  formatIpv4Address,
  getNetworkRange,
  isAddressInNetwork,
  isIpv4Address,
  isIpv4Cidr,
  isIpv4Network,
  isNetworkWithin,
  parseHostCidr,
  parseIpv4Address,
} from './addressing.js';

/** Text that is often almost an address: octets with leading zeros, signs, too large, too few or many. */
const arbitraryAddressText = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('00', '01', '007', '1e2', '+1', '-1', '0x1', ' 1', '', 'a'),
    ),
    { minLength: 3, maxLength: 5 },
  )
  .map((octets) => octets.join('.'));

const arbitraryCidr = fc
  .tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }))
  .map(([address, prefix]) => `${address}/${prefix}`);

const toCanonical = (cidr: string) => parseHostCidr(cidr).network;

describe('addressing', () => {
  it('accepts only dotted-quad IPv4 addresses and CIDRs', () => {
    expect(isIpv4Address('10.0.0.1')).toBe(true);
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', '', 'a.b.c.d', '10.0.0.1/24', '010.0.0.1'])
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
    expect(isNetworkWithin({ network: '10.0.3.0/24', outer: '10.0.0.0/16' })).toBe(true);
    expect(isNetworkWithin({ network: '10.0.0.0/16', outer: '10.0.3.0/24' })).toBe(false);
    expect(isNetworkWithin({ network: '10.1.0.0/24', outer: '10.0.0.0/16' })).toBe(false);
  });

  it('tells a network from a host CIDR', () => {
    expect(isIpv4Network('10.0.1.0/24')).toBe(true);
    expect(isIpv4Network('0.0.0.0/0')).toBe(true);
    for (const bad of ['10.0.1.7/24', '10.0.1.0', '10.0.1.0/08', '10.0.1.0/33', '10.0.1/24'])
      expect(isIpv4Network(bad)).toBe(false);
  });

  it('gives a network its first and last address and its size', () => {
    expect(getNetworkRange('10.0.1.7/24')).toEqual({
      first: parseIpv4Address('10.0.1.0'),
      last: parseIpv4Address('10.0.1.255'),
      size: 256,
      prefixLength: 24,
    });
    expect(getNetworkRange('0.0.0.0/0').size).toBe(2 ** 32);
    expect(formatIpv4Address(getNetworkRange('0.0.0.0/0').last)).toBe('255.255.255.255');
  });

  it('places an address in a network', () => {
    const network = '10.0.1.0/24';
    expect(classifyAddress({ address: '10.0.1.7', network })).toBe('host');
    expect(classifyAddress({ address: '10.0.1.0', network })).toBe('network-address');
    expect(classifyAddress({ address: '10.0.1.255', network })).toBe('broadcast-address');
    expect(classifyAddress({ address: '10.0.2.7', network })).toBe('outside');
    expect(classifyAddress({ address: '10.0.1', network })).toBe('outside');
    expect(classifyAddress({ address: '10.0.1.0', network: '10.0.1.0/31' })).toBe('host');
    expect(classifyAddress({ address: '10.0.1.1', network: '10.0.1.1/32' })).toBe('host');
  });
});

describe('addressing against ip-num', () => {
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

  it('accepts exactly the addresses ip-num accepts, with the same value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), arbitraryAddressText), (text) => {
        const isValid = Validator.isValidIPv4String(text)[0];
        expect(isIpv4Address(text)).toBe(isValid);
        if (isValid) {
          const value = IPv4.fromDecimalDottedString(text).getValue();
          expect(parseIpv4Address(text)).toBe(Number(value));
          expect(formatIpv4Address(Number(value))).toBe(text);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the networks ip-num accepts', () => {
    fc.assert(
      fc.property(arbitraryCidr, (cidr) => {
        const isNetwork =
          Validator.isValidIPv4CidrNotation(cidr)[0] && Validator.isValidIPv4CidrRange(cidr)[0];
        expect(isIpv4Network(cidr)).toBe(isNetwork);
      }),
      { numRuns: 2000 },
    );
  });

  it('nests networks as ip-num does, and places addresses by its first and last', () => {
    fc.assert(
      fc.property(arbitraryCidr, arbitraryCidr, fc.ipV4(), (a, b, address) => {
        const first = IPv4CidrRange.fromCidr(toCanonical(a));
        const second = IPv4CidrRange.fromCidr(toCanonical(b));
        expect(isNetworkWithin({ network: a, outer: b })).toBe(second.contains(first));
        expect(doNetworksOverlap({ a, b })).toBe(first.contains(second) || second.contains(first));
        const value = IPv4.fromDecimalDottedString(address).getValue();
        const isInside = value >= first.getFirst().getValue() && value <= first.getLast().getValue();
        expect(classifyAddress({ address, network: a }) !== 'outside').toBe(isInside);
      }),
      { numRuns: 2000 },
    );
  });
});
