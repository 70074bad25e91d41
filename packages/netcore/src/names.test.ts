import { describe, expect, it } from 'vitest';
import {
  formatAlias,
  getBridgeName,
  getNamespaceName,
  getVethName,
  isInstanceNamespaceName,
  isOurInterfaceName,
  maxInterfaceNameLength,
  parseAlias,
} from './names.js';

describe('names', () => {
  it('fit the 15-character interface limit and carry our prefix', () => {
    for (const id of ['a', 'web-1', 'x'.repeat(63)]) {
      for (const name of [getBridgeName(id), getVethName(id)]) {
        expect(name.length).toBeLessThanOrEqual(maxInterfaceNameLength);
        expect(isOurInterfaceName(name)).toBe(true);
      }
    }
  });

  it('never collide for long ids that share a prefix (the spec truncated to 12 characters)', () => {
    const ids = Array.from({ length: 2000 }, (_, index) => `frontend-production-replica-${index}`);
    expect(new Set(ids.map(getVethName)).size).toBe(ids.length);
    expect(new Set(ids.map((id) => getNamespaceName(id))).size).toBe(ids.length);
  });

  it('are deterministic, and namespaces carry the prefix', () => {
    expect(getNamespaceName('web-1')).toBe(getNamespaceName('web-1'));
    expect(getNamespaceName('web-1')).toMatch(/^kudo-i-web-1-[0-9a-f]{8}$/);
    expect(getNamespaceName('web-1', { prefix: 'kudo-lab-x-node1' })).toMatch(
      /^kudo-lab-x-node1-i-web-1-[0-9a-f]{8}$/,
    );
    expect(isInstanceNamespaceName({ name: getNamespaceName('web-1'), prefix: 'kudo' })).toBe(true);
    expect(isInstanceNamespaceName({ name: 'kudo-lab-x-node1', prefix: 'kudo' })).toBe(false);
  });

  it('does not take foreign interfaces for ours', () => {
    for (const name of ['eth0', 'docker0', 'kudob', 'kudobXYZ0123456', 'cni0', 'veth1234567890a'])
      expect(isOurInterfaceName(name)).toBe(false);
  });

  it('round-trips link aliases and ignores foreign ones', () => {
    expect(parseAlias(formatAlias({ node: 'n1', isolation: 'none' }))).toEqual({
      node: 'n1',
      isolation: 'none',
    });
    expect(parseAlias('uplink to the rack')).toEqual({});
    expect(parseAlias(undefined)).toEqual({});
  });
});
