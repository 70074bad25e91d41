import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { type LabCluster, startLabCluster } from '../../../../../scripts/lab-cluster/lab-cluster.js';
import { ensureWebBuild } from '../../../../../scripts/lab-cluster/web-build.js';
import { findFreePort } from '../../../../../scripts/lab-cluster/web-server.js';
import { checkLogsForSecrets } from './log-secrets.js';

export const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..', '..', '..');

/**
 * What `npm start` runs, for a test file that reaches the dashboard over HTTP (inside
 * `describeWithNamespaces`): the production build (built when out of date), a lab of `nodeCount` nodes
 * named after the run and `tag`, an agent per node, `next start` on a free loopback port with a data
 * directory of its own, every node registered. Stopped after the file's tests whatever happened, the data
 * directory removed last. Then the logs of the control plane and the agents are searched for every secret
 * the run used (`cluster.usedSecrets`: passwords, session cookies, join and agent tokens, and what the test
 * added with `cluster.rememberSecret`, e.g. API tokens): one found fails the file; clean logs are kept in
 * `artifacts/e2e-logs/TAG/`. Give the test's own teardown (browser, servers) to `cluster.onStop`, not to an
 * `afterAll` of its own: one that fails skips the `afterAll` hooks registered before it, this one included.
 */
export const useDashboardCluster = ({ nodeCount, tag }: { nodeCount: number; tag: string }) => {
  let cluster: LabCluster | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    await ensureWebBuild({ root: repositoryRoot, log: () => undefined });
    dataDir = await mkdtemp(join(tmpdir(), `kudo-${tag}-`));
    cluster = await startLabCluster({
      root: repositoryRoot,
      prefix: `${inject('runPrefix')}-${tag}${randomBytes(2).toString('hex')}`,
      nodeCount,
      port: await findFreePort(),
      dataDir,
      // The tests ask for checks themselves; the monitor's would only race with them.
      healthIntervalMs: 0,
    });
  }, 600_000);
  afterAll(async () => {
    try {
      await cluster?.stop();
      if (cluster)
        await checkLogsForSecrets({
          files: cluster.logFiles,
          secrets: cluster.usedSecrets,
          keepIn: join(repositoryRoot, 'artifacts', 'e2e-logs', tag),
        });
    } finally {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
  return () => {
    if (!cluster || !dataDir) throw new Error('the dashboard cluster is not started yet');
    return { cluster, dataDir };
  };
};
