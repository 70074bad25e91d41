import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { listNamespaces } from '../kernel/namespaces.js';
import { destroyLab } from '../lab/lab.js';
import { requireNamespaceTests } from './namespace-guard.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Prefix of every namespace this test run may create: `kudo-t<random>`. */
    runPrefix: string;
    canRunNamespaceTests: boolean;
  }
}

/**
 * Gives the run its own namespace prefix, and after the run checks that no namespace with it is left:
 * a leftover is a cleanup bug, so it is removed and the run fails.
 */
export default function setup(project: TestProject) {
  const runPrefix = `kudo-t${randomBytes(3).toString('hex')}`;
  project.provide('runPrefix', runPrefix);
  project.provide('canRunNamespaceTests', requireNamespaceTests());
  return async () => {
    const leftovers = (await listNamespaces()).filter((name) => name.startsWith(`${runPrefix}-`));
    if (leftovers.length === 0) return;
    await destroyLab({ prefix: runPrefix });
    throw new Error(`namespace tests leaked ${leftovers.length} namespaces: ${leftovers.join(' ')}`);
  };
}
