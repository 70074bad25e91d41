import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { LabCluster } from '../../../scripts/lab-cluster/lab-cluster.js';
import { repositoryRoot as root, useDashboardCluster } from '../src/server/testing/dashboard-cluster.js';
import {
  collectSecurityViolations,
  launchBrowser,
  saveScreenshot,
  saveScreenshotsOfFailures,
  signInThroughForm,
} from './browser.js';

/**
 * The shell's search box and the port-mappings page's host-port lookup in a real browser, against a lab
 * of two nodes with the same host port mapped on each; and the Content-Security-Policy the dashboard runs
 * under, with no violation on any page.
 */
describeWithNamespaces('search and port lookup in a real browser', () => {
  const dashboard = useDashboardCluster({ nodeCount: 2, tag: 'srch' });
  let cluster: LabCluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let violations: Awaited<ReturnType<typeof collectSecurityViolations>>;
  const visited = new Set<string>();
  const shot = (name: string) => saveScreenshot({ page, root, name, isFullPage: false });
  const open = async (path: string) => {
    await page.goto(`${cluster.web.url}${path}`);
    visited.add(new URL(page.url()).pathname);
  };
  /** The search results as the user reads them, one line each (its parts are spans side by side). */
  const readResults = () =>
    page
      .getByTestId('search-results')
      .locator('a')
      .evaluateAll((links) =>
        links.map((link) =>
          Array.from(link.children, (part) => (part.textContent ?? '').replace(/\s+/g, ' ').trim())
            .filter(Boolean)
            .join(' '),
        ),
      );

  beforeAll(async () => {
    ({ cluster } = dashboard());
    cluster.onStop(async () => browser?.close());
    for (const [instanceId, nodeId, hostPort] of [
      ['web-a', 'node1', 8080],
      ['web-b', 'node2', 8080],
      ['api-a', 'node1', 9090],
    ] as const)
      await cluster.api.instance.create.mutate({
        nodeId,
        instanceId,
        ports: [{ hostPort, instancePort: 80 }],
      });
    browser = await launchBrowser();
    violations = await collectSecurityViolations({ context: browser.context });
    page = await browser.context.newPage();
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'viewer',
      password: cluster.credentials.viewer,
    });
    visited.add('/sign-in');
  });

  saveScreenshotsOfFailures({ root, prefix: 'failed-search-', getPage: () => page });

  it('"/" opens the search; a host port lists its mapping on every node, with the instance', async () => {
    await open('/');
    await page.getByTestId('overview-nodes').locator('li').nth(1).waitFor();
    await page.keyboard.press('/');
    const input = page.getByTestId('search-input');
    expect(await input.evaluate((element) => element === document.activeElement)).toBe(true);
    await input.fill('8080');
    await page.getByTestId('search-results').locator('a[data-kind="port-mapping"]').nth(1).waitFor();
    expect((await readResults()).filter((line) => line.startsWith('port'))).toEqual([
      'port node1:8080/tcp → web-a:80',
      'port node2:8080/tcp → web-b:80',
    ]);
    await shot('search-01-host-port');
    await page
      .getByTestId('search-results')
      .getByRole('link', { name: /node2:8080/ })
      .click();
    await page.waitForURL('**/instances/web-b');
    visited.add('/instances/web-b');
  });

  it('Ctrl-K opens the search; an instance id finds the instance, Enter opens its page', async () => {
    await page.keyboard.press('Control+k');
    const input = page.getByTestId('search-input');
    await input.fill('api-a');
    await page.getByTestId('search-results').getByRole('link', { name: /api-a/ }).waitFor();
    expect(await readResults()).toEqual(['instance api-a on node1']);
    await shot('search-02-instance-id');
    await input.press('Enter');
    await page.waitForURL('**/instances/api-a');
    visited.add('/instances/api-a');
    await input.fill('no-such-thing');
    await page.getByText('Nothing in the cluster matches').waitFor();
    await input.press('Escape');
    expect(await page.getByTestId('search-results').count()).toBe(0);
  });

  it('the port-mappings page answers who holds a host port on a node', async () => {
    await open('/port-mappings?hostPort=8080');
    const rows = page.getByTestId('port-mappings-table').locator('tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    await page.getByLabel('Node').selectOption('node2');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('web-b');
    await shot('search-03-port-lookup');
    await page.getByTestId('host-port-filter').fill('9090');
    await page.getByText('Host port 9090 is free on').waitFor();
    await page.getByLabel('Node').selectOption('node1');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('api-a');
  });

  it('no page breaks the Content-Security-Policy (no violation, no page error)', async () => {
    for (const path of [
      '/',
      '/topology',
      '/nodes',
      '/nodes/node1',
      '/instances',
      '/instances/web-a',
      '/port-mappings',
      '/events',
    ]) {
      await open(path);
      await page.locator('main h1').first().waitFor();
    }
    expect([...visited].length).toBeGreaterThanOrEqual(9);
    expect(violations.list()).toEqual([]);
  });
});
