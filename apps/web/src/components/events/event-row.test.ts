import { describe, expect, it } from 'vitest';
import { describeDetails } from './event-row';

describe('describeDetails', () => {
  it('says what a fix, a clean-up or an allocation did', () => {
    expect(describeDetails({ fixed: ['instance e2e-web: veth is missing'] })).toBe(
      'fixed instance e2e-web: veth is missing',
    );
    expect(describeDetails({ removed: ['namespace a', 'veth b'] })).toBe('removed namespace a; veth b');
    expect(describeDetails({ agentUrl: 'http://x', subnet: '10.0.3.0/24', failures: [] })).toBe(
      'subnet 10.0.3.0/24',
    );
    expect(describeDetails({ nodeId: 'node1', ipAddr: '10.0.0.2' })).toBe('address 10.0.0.2');
  });

  it('says nothing when there is nothing worth a line', () => {
    expect(describeDetails(null)).toBeUndefined();
    expect(describeDetails({ force: false })).toBeUndefined();
  });
});
