import { expect } from 'vitest';
import { NetcoreError, type NetcoreErrorCode } from '../errors.js';

/** Asserts that a call fails with a NetcoreError of this code naming this field. */
export const expectNetcoreError = async (
  promise: Promise<unknown>,
  { code, field }: { code: NetcoreErrorCode; field?: string },
) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(NetcoreError);
  const netcoreError = error as NetcoreError;
  expect({ code: netcoreError.code, field: netcoreError.field }).toEqual({ code, field });
  expect(netcoreError.reason.length).toBeGreaterThan(0);
  return netcoreError;
};
