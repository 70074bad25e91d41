import { describe, expect, it } from 'vitest';
import { checkId, checkInstanceAddress, checkPorts, isIpv4Address, toNetworkCidr } from './validate';

describe('form checks', () => {
  it('accepts ids the API accepts and names what is wrong with others', () => {
    expect(checkId('web-1')).toBeUndefined();
    expect(checkId('')).toBe('must not be empty');
    expect(checkId('-x')).toMatch(/start with a letter/);
    expect(checkId('a'.repeat(64))).toMatch(/63/);
  });

  it('reads IPv4 addresses strictly', () => {
    expect(isIpv4Address('10.0.1.7')).toBe(true);
    expect(isIpv4Address('10.0.1')).toBe(false);
    expect(isIpv4Address('10.0.1.256')).toBe(false);
    expect(isIpv4Address('010.0.1.1')).toBe(false);
  });

  it('refuses addresses outside the subnet, the network, broadcast and bridge addresses, and used ones', () => {
    const subnet = '10.0.1.0/24';
    expect(checkInstanceAddress({ address: '10.0.1.7', subnet })).toBeUndefined();
    expect(checkInstanceAddress({ address: '10.0.2.7', subnet })).toMatch(/inside/);
    expect(checkInstanceAddress({ address: '10.0.1.0', subnet })).toMatch(/network/);
    expect(checkInstanceAddress({ address: '10.0.1.255', subnet })).toMatch(/broadcast/);
    expect(checkInstanceAddress({ address: '10.0.1.1', subnet, nodeIpAddr: '10.0.1.1' })).toMatch(/bridge/);
    expect(checkInstanceAddress({ address: '10.0.1.9', subnet, usedAddresses: ['10.0.1.9'] })).toMatch(
      /used/,
    );
  });

  it('turns a host CIDR into its network', () => {
    expect(toNetworkCidr('10.0.1.1/24')).toBe('10.0.1.0/24');
    expect(toNetworkCidr('10.0.1.77/26')).toBe('10.0.1.64/26');
    expect(toNetworkCidr('not a cidr')).toBe('not a cidr');
  });

  it('names the port field at fault, as the API does', () => {
    expect(checkPorts([{ hostPort: '8080', instancePort: '80', protocol: 'tcp' }])).toBeUndefined();
    expect(checkPorts([{ hostPort: '0', instancePort: '80', protocol: 'tcp' }])?.field).toBe(
      'ports.0.hostPort',
    );
    expect(
      checkPorts([
        { hostPort: '53', instancePort: '53', protocol: 'udp' },
        { hostPort: '53', instancePort: '5353', protocol: 'udp' },
      ]),
    ).toEqual({ field: 'ports.1.hostPort', message: 'host port udp/53 is mapped twice' });
    expect(
      checkPorts([
        { hostPort: '53', instancePort: '53', protocol: 'udp' },
        { hostPort: '53', instancePort: '53', protocol: 'tcp' },
      ]),
    ).toBeUndefined();
  });
});
