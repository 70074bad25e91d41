import { describe, expect, it } from 'vitest';
import { findFreeCniAddress, toAttachmentCidr, toAttachmentInstanceId } from './cni-allocator.js';
import { ZCniRange } from './cni-schemas.js';

const range = { nodeIpCidr: '10.0.1.1/24', rangeCidr: '10.0.1.128/25' };

describe('CNI allocation in the delegated range', () => {
  it('hands out the range from its first address, each once, never the broadcast address', () => {
    const used: string[] = [];
    for (let next = findFreeCniAddress({ range, usedAddresses: used }); next; ) {
      used.push(next);
      next = findFreeCniAddress({ range, usedAddresses: used });
    }
    expect(used[0]).toBe('10.0.1.128');
    expect(used.at(-1)).toBe('10.0.1.254');
    expect(new Set(used).size).toBe(127);
  });

  it("never hands out the node's address or the subnet's network address", () => {
    const whole = { nodeIpCidr: '10.0.2.1/24', rangeCidr: '10.0.2.0/30' };
    expect(findFreeCniAddress({ range: whole, usedAddresses: [] })).toBe('10.0.2.2');
  });

  it('gives the address the node prefix', () => {
    expect(toAttachmentCidr({ range, address: '10.0.1.130' })).toBe('10.0.1.130/24');
  });

  it('names attachments readably and uniquely per container, interface and network', () => {
    const id = toAttachmentInstanceId({
      containerId: 'abcdef0123456789',
      ifName: 'eth0',
      networkName: 'kudo',
    });
    expect(id).toMatch(/^cni-abcdef012345-[0-9a-f]{8}$/);
    expect(
      toAttachmentInstanceId({ containerId: 'abcdef0123456789', ifName: 'eth1', networkName: 'kudo' }),
    ).not.toBe(id);
  });

  it('refuses a range outside the node subnet or holding the node address, naming rangeCidr', () => {
    for (const rangeCidr of ['10.0.2.128/25', '10.0.1.0/25', '10.0.1.128/24', '10.0.1.129/25']) {
      const result = ZCniRange.safeParse({ nodeIpCidr: '10.0.1.1/24', rangeCidr });
      expect(result.success, rangeCidr).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['rangeCidr']);
    }
    expect(ZCniRange.safeParse(range).success).toBe(true);
  });
});
