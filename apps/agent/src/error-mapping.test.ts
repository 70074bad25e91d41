import { NetcoreError, netcoreErrorCodes, ZSetupInstanceRequest } from '@kudo/netcore';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { readNetcoreErrorData, toTRPCError, trpcCodeByNetcoreCode } from './error-mapping.js';

describe('toTRPCError', () => {
  it.each([
    ['INVALID_INPUT', 'BAD_REQUEST'],
    ['NOT_FOUND', 'NOT_FOUND'],
    ['CONFLICT', 'CONFLICT'],
    ['UNREACHABLE', 'PRECONDITION_FAILED'],
    ['TIMEOUT', 'TIMEOUT'],
    ['MISSING_DEPENDENCY', 'INTERNAL_SERVER_ERROR'],
    ['PERMISSION_DENIED', 'INTERNAL_SERVER_ERROR'],
    ['COMMAND_FAILED', 'INTERNAL_SERVER_ERROR'],
  ] as const)('maps %s to %s', (code, trpcCode) => {
    const error = toTRPCError(new NetcoreError({ code, reason: 'why', field: 'ports.0.hostPort' }));
    expect(error.code).toBe(trpcCode);
    expect(error.message).toBe('ports.0.hostPort: why');
  });

  it('has a mapping for every netcore code', () => {
    expect(Object.keys(trpcCodeByNetcoreCode).sort()).toEqual([...netcoreErrorCodes].sort());
  });
});

describe('readNetcoreErrorData', () => {
  it('reads code, field and reason of a wrapped NetcoreError', () => {
    const error = toTRPCError(new NetcoreError({ code: 'CONFLICT', field: 'nodeIpCidr', reason: 'taken' }));
    expect(readNetcoreErrorData(error)).toEqual({ code: 'CONFLICT', field: 'nodeIpCidr', reason: 'taken' });
  });

  it('turns a refused input into INVALID_INPUT naming the first field', () => {
    const parsed = ZSetupInstanceRequest.safeParse({
      nodeId: 'n1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'web',
      instanceIpCidr: '10.0.0.2/24',
      ports: [{ hostPort: 70000, instancePort: 80 }],
    });
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error });
    expect(readNetcoreErrorData(error)).toEqual({
      code: 'INVALID_INPUT',
      field: 'ports.0.hostPort',
      reason: 'must be 1-65535',
    });
  });

  it('has nothing to say about other errors', () => {
    expect(readNetcoreErrorData(new TRPCError({ code: 'UNAUTHORIZED' }))).toBeNull();
    expect(
      readNetcoreErrorData(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('x') })),
    ).toBeNull();
  });
});
