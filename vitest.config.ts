import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, fast, parallel) and `integration` (real namespaces, bridges and
 * iptables rules; root only; one file at a time, since they share one kernel).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/src/**/*.integration.test.ts',
            'apps/*/src/**/*.integration.test.ts',
            'apps/*/e2e/**/*.integration.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: ['packages/netcore/src/testing/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
