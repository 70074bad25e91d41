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

/** The page's background, as the browser painted it. */
const readBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const lightBackground = 'rgb(245, 246, 248)';
const darkBackground = 'rgb(11, 17, 32)';

/**
 * The node and overview charts and the dark theme in a real browser, against a two-node lab whose agents'
 * metrics the control plane scrapes (every 5 s, its default): after some operations on a node its charts
 * show them, and the overview shows the cluster's; the theme follows the system setting, the toggle fixes
 * it, the server renders the chosen theme from the first byte, and no page breaks the CSP.
 */
describeWithNamespaces('charts and dark theme in a real browser', () => {
  const dashboard = useDashboardCluster({ nodeCount: 2, tag: 'chrt' });
  let cluster: LabCluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let violations: Awaited<ReturnType<typeof collectSecurityViolations>>;
  const shot = (name: string) => saveScreenshot({ page, root, name });
  /** Waits until a chart has drawn points and, with `isNonZero`, a value above 0. */
  const waitForChart = async ({ testId, isNonZero }: { testId: string; isNonZero: boolean }) => {
    await page.waitForFunction(
      ({ testId: id, isNonZero: nonZero }) => {
        const chart = document.querySelector(`[data-testid="${id}"]`);
        const pointCount = Number(chart?.getAttribute('data-point-count') ?? 0);
        const maxValue = Number(chart?.getAttribute('data-max-value') || 0);
        return chart?.querySelector('canvas') && pointCount > 0 && (!nonZero || maxValue > 0);
      },
      { testId, isNonZero },
      { timeout: 90_000, polling: 500 },
    );
    return page.getByTestId(testId).evaluate((chart) => ({
      pointCount: Number(chart.getAttribute('data-point-count')),
      maxValue: Number(chart.getAttribute('data-max-value')),
    }));
  };

  beforeAll(async () => {
    ({ cluster } = dashboard());
    cluster.onStop(async () => browser?.close());
    browser = await launchBrowser();
    violations = await collectSecurityViolations({ context: browser.context });
    page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: 'light' });
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'viewer',
      password: cluster.credentials.viewer,
    });
  });

  saveScreenshotsOfFailures({ root, prefix: 'failed-charts-', getPage: () => page });

  it("a node's charts show its operations, latency and errors after some operations", async () => {
    await page.goto(`${cluster.web.url}/nodes/node1`);
    await page.getByTestId('node-metrics-charts').waitFor();
    for (const instanceId of ['chart-1', 'chart-2', 'chart-3'])
      await cluster.api.instance.create.mutate({
        nodeId: 'node1',
        instanceId,
        ports: [{ hostPort: 8000 + Number(instanceId.slice(-1)), instancePort: 80 }],
      });
    await cluster.api.instance.delete.mutate({ instanceId: 'chart-3' });
    const operations = await waitForChart({ testId: 'node-metrics-chart-operations', isNonZero: true });
    expect(operations.maxValue).toBeGreaterThan(0);
    const latency = await waitForChart({ testId: 'node-metrics-chart-latency', isNonZero: true });
    expect(latency.maxValue).toBeGreaterThan(0);
    const errors = await waitForChart({ testId: 'node-metrics-chart-errors', isNonZero: false });
    expect(errors.maxValue).toBe(0);
    // The legend names each line; uPlot drew on a canvas of the card's width.
    const legend = await page.getByTestId('node-metrics-chart-latency').locator('.u-legend').textContent();
    expect(legend).toContain('p50');
    expect(legend).toContain('p99');
    const canvasWidth = await page
      .getByTestId('node-metrics-chart-operations')
      .locator('canvas')
      .evaluate((canvas) => canvas.getBoundingClientRect().width);
    expect(canvasWidth).toBeGreaterThan(200);
    await page.getByTestId('node-metrics-charts').scrollIntoViewIfNeeded();
    await shot('charts-01-node');
  });

  it("the overview's charts show the cluster's totals", async () => {
    await page.goto(`${cluster.web.url}/`);
    const operations = await waitForChart({ testId: 'cluster-metrics-chart-operations', isNonZero: true });
    expect(operations.maxValue).toBeGreaterThan(0);
    await waitForChart({ testId: 'cluster-metrics-chart-latency', isNonZero: true });
    await shot('charts-02-overview');
  });

  it('the theme follows the system setting until the toggle fixes it, and the server renders the choice', async () => {
    const html = page.locator('html');
    const pressed = () =>
      page.getByTestId('theme-toggle').locator('button[aria-pressed="true"]').textContent();
    expect(await pressed()).toBe('Auto');
    expect(await html.getAttribute('data-theme')).toBeNull();
    expect(await readBackground(page)).toBe(lightBackground);

    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => readBackground(page)).toBe(darkBackground);
    await waitForChart({ testId: 'cluster-metrics-chart-operations', isNonZero: true });
    await shot('theme-01-system-dark');

    await page.getByTestId('theme-toggle').getByRole('button', { name: 'Light' }).click();
    expect(await html.getAttribute('data-theme')).toBe('light');
    expect(await readBackground(page)).toBe(lightBackground);

    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('theme-toggle').getByRole('button', { name: 'Dark' }).click();
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await readBackground(page)).toBe(darkBackground);

    // The choice is a cookie the server reads: the page's HTML has it before any script runs.
    const markup = await (await page.request.get(`${cluster.web.url}/nodes/node1`)).text();
    expect(markup).toMatch(/<html[^>]* data-theme="dark"/);
    await page.goto(`${cluster.web.url}/nodes/node1`);
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await pressed()).toBe('Dark');
    expect(await readBackground(page)).toBe(darkBackground);
    await waitForChart({ testId: 'node-metrics-chart-latency', isNonZero: true });
    // The charts are drawn in the dark theme's colours: light text on a dark card.
    const chartColors = await page.getByTestId('node-metrics-chart-latency').evaluate((chart) => ({
      legend: getComputedStyle(chart.querySelector('.u-legend') as Element).color,
      card: getComputedStyle(chart.closest('.card') as Element).backgroundColor,
    }));
    expect(chartColors).toEqual({ legend: 'rgb(163, 173, 194)', card: 'rgb(19, 27, 46)' });
    await page.getByTestId('node-metrics-charts').scrollIntoViewIfNeeded();
    await shot('theme-02-dark-node-charts');

    await page.getByTestId('theme-toggle').getByRole('button', { name: 'Auto' }).click();
    expect(await html.getAttribute('data-theme')).toBeNull();
    expect(await readBackground(page)).toBe(lightBackground);
    const systemHtml = await (await page.request.get(`${cluster.web.url}/`)).text();
    expect(systemHtml).not.toMatch(/<html[^>]* data-theme=/);
  });

  it('no page with charts or the theme breaks the Content-Security-Policy', async () => {
    for (const path of ['/', '/nodes/node2']) {
      await page.goto(`${cluster.web.url}${path}`);
      await page.locator('h1').first().waitFor();
    }
    expect(violations.list()).toEqual([]);
  });
});
