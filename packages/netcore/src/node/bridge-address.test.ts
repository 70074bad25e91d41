import { describe, expect, it } from 'vitest';
import { formatBridgeAddress } from './bridge-address.js';

describe('formatBridgeAddress', () => {
  it('gives a locally administered unicast MAC, the same for the same bridge', () => {
    const address = formatBridgeAddress({ bridgeName: 'kudob0123456789' });
    expect(address).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(formatBridgeAddress({ bridgeName: 'kudob0123456789' })).toBe(address);
  });

  it('gives different bridges different MACs', () => {
    expect(formatBridgeAddress({ bridgeName: 'kudob0123456789' })).not.toBe(
      formatBridgeAddress({ bridgeName: 'kudob9876543210' }),
    );
  });
});
