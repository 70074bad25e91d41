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
          // PostgreSQL's own locks are tested in unit-postgresql only (nothing is skipped here).
          exclude: [
            '**/*.integration.test.ts',
            '**/node_modules/**',
            'apps/web/src/server/locks/postgres-lock.test.ts',
          ],
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
          // Replicas need a shared database with locks across processes: integration-postgresql runs it.
          exclude: ['**/node_modules/**', 'apps/web/src/server/replicas.integration.test.ts'],
          globalSetup: ['packages/netcore/src/testing/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The control plane's unit and integration tests again on PostgreSQL (a throwaway cluster per run:
      // apps/web/src/server/testing/postgres-global-setup.ts; never skipped). Every test that drives the control
      // plane through its services runs here too. Left out, on SQLite only: the runner's comparison with the
      // Prisma CLI (SQLite's `prisma migrate deploy`), and the tests of the production build started by the
      // lab cluster's scripts (dashboard access over HTTP, real machines joining over TLS), which exercise the
      // wire (HTTP, TLS, cookies, the packaged agent), not the database: they run `npm start`'s embedded SQLite.
      {
        test: {
          name: 'unit-postgresql',
          include: ['apps/web/src/server/**/*.test.ts'],
          exclude: [
            '**/*.integration.test.ts',
            '**/node_modules/**',
            'apps/web/src/server/db/database.test.ts',
          ],
          globalSetup: ['apps/web/src/server/testing/postgres-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration-postgresql',
          include: ['apps/web/src/server/**/*.integration.test.ts'],
          exclude: [
            '**/node_modules/**',
            'apps/web/src/server/db/apply-migrations.integration.test.ts',
            'apps/web/src/server/auth/dashboard-access.integration.test.ts',
            'apps/web/src/server/join/real-machines.integration.test.ts',
          ],
          globalSetup: [
            'packages/netcore/src/testing/global-setup.ts',
            'apps/web/src/server/testing/postgres-global-setup.ts',
          ],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
