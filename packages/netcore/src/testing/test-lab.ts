import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createLab, type Lab } from '../lab/lab.js';
import type {} from './global-setup.js';

/** `describe` for namespace tests: skipped (with the reason printed once) where they cannot run. */
export const describeWithNamespaces = describe.skipIf(!inject('canRunNamespaceTests'));

/**
 * A lab private to one test file: `kudo-t<run>-<file>`, built before its tests and removed after them,
 * whatever happened. The getter throws if used before it exists.
 */
export const useTestLab = ({ nodeCount }: { nodeCount: number }) => {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await createLab({ prefix: `${inject('runPrefix')}-${randomBytes(2).toString('hex')}`, nodeCount });
  });
  afterAll(async () => {
    await lab?.destroy();
  });
  return () => {
    if (!lab) throw new Error('the test lab is not built yet');
    return lab;
  };
};
export { expectNetcoreError } from './expect-error.js';
