import { join } from 'node:path';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { LabCluster } from '../../../scripts/lab-cluster/lab-cluster.js';
import { repositoryRoot as root, useDashboardCluster } from '../src/server/testing/dashboard-cluster.js';
import { launchBrowser, saveScreenshot, saveScreenshotsOfFailures, signInThroughForm } from './browser.js';

const seededCount = 3000;

/**
 * The dashboard's shared table and form pattern in a real browser, against a one-node lab cluster:
 * sorting and filtering the instances table, paging through thousands of instances (seeded straight
 * into the database: a lab of 3,000 namespaces would take minutes), and dialog errors shown under the
 * input they are about, whether the form found them or the server (or the node's netcore) did.
 */
describeWithNamespaces('tables and forms in a real browser', () => {
  const dashboard = useDashboardCluster({ nodeCount: 1, tag: 'tbl' });
  let cluster: LabCluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let dataDir: string;
  let node1: { subnet: string; nodeIpAddr: string };
  const shot = (name: string) => saveScreenshot({ page, root, name });
  const shotDialog = (name: string) => saveScreenshot({ page, root, name, isFullPage: false });
  /** An address of node1's subnet, by its last number. */
  const addressOf = (host: number) => `${node1.subnet.split('.').slice(0, 3).join('.')}.${host}`;
  const rowIds = () =>
    page
      .getByTestId('instances-table')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance-id')));

  beforeAll(async () => {
    ({ cluster, dataDir } = dashboard());
    cluster.onStop(async () => browser?.close());
    node1 = await cluster.api.node.get.query({ nodeId: 'node1' });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
  });

  saveScreenshotsOfFailures({ root, prefix: 'failed-tables-', getPage: () => page });

  it('sorts the instances table by a column header and filters it from the toolbar', async () => {
    const sortInstances = [
      { instanceId: 'sort-b', host: 12, ports: [{ hostPort: 8081, instancePort: 80 }] },
      { instanceId: 'sort-a', host: 30, ports: [] },
      { instanceId: 'sort-c', host: 9, ports: [] },
    ];
    for (const { instanceId, host, ports } of sortInstances)
      await cluster.api.instance.create.mutate({
        nodeId: 'node1',
        instanceId,
        ipAddr: addressOf(host),
        ports,
      });

    await page.goto(`${cluster.web.url}/instances`);
    await page.locator('tr[data-instance-id="sort-c"] [data-status="running"]').waitFor();
    const instanceHeader = page.locator('th[data-column="instance"]');
    await page.getByTestId('sort-instance').click();
    expect(await instanceHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await rowIds()).toEqual(['sort-a', 'sort-b', 'sort-c']);
    await page.getByTestId('sort-instance').click();
    expect(await instanceHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await rowIds()).toEqual(['sort-c', 'sort-b', 'sort-a']);

    // Addresses sort by their numbers: .9 before .12 before .30.
    await page.getByTestId('sort-address').click();
    expect(await page.locator('th[data-column="address"]').getAttribute('aria-sort')).toBe('ascending');
    expect(await instanceHeader.getAttribute('aria-sort')).toBe('none');
    expect(await rowIds()).toEqual(['sort-c', 'sort-b', 'sort-a']);
    await shot('20-instances-sorted');

    await page.getByTestId('instance-search').fill('sort-b');
    await page.locator('tr[data-instance-id="sort-a"]').waitFor({ state: 'detached' });
    expect(await rowIds()).toEqual(['sort-b']);
    await page.getByTestId('instance-search').fill('');
    await page.getByLabel('Port', { exact: true }).fill('8081');
    await page.locator('tr[data-instance-id="sort-c"]').waitFor({ state: 'detached' });
    expect(await rowIds()).toEqual(['sort-b']);
    await expect(page.getByTestId('table-pager').textContent()).resolves.toContain('1 of 3 instances');
    await page.getByLabel('Port', { exact: true }).fill('');
    await page.getByLabel('Address', { exact: true }).fill(addressOf(30));
    await page.locator('tr[data-instance-id="sort-b"]').waitFor({ state: 'detached' });
    expect(await rowIds()).toEqual(['sort-a']);
    await shot('21-instances-filtered');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('tr[data-instance-id="sort-b"]').waitFor();
    expect(await rowIds()).toEqual(['sort-c', 'sort-b', 'sort-a']);
  });

  it(`pages through ${seededCount} instances, holding one page of rows in the page`, async () => {
    const database = new Database(join(dataDir, 'kudo.db'));
    try {
      const { createdAt, updatedAt } = database
        .prepare('SELECT createdAt, updatedAt FROM Instance WHERE id = ?')
        .get('sort-a') as { createdAt: unknown; updatedAt: unknown };
      const insert = database.prepare(
        `INSERT INTO Instance (id, nodeId, ipAddr, status, createdAt, updatedAt) VALUES (?, 'node1', ?, 'running', ?, ?)`,
      );
      // Rows only the database knows (no namespace behind them): the table does not ask the kernel.
      database.transaction(() => {
        for (let index = 1; index <= seededCount; index += 1)
          insert.run(
            `bulk-${String(index).padStart(4, '0')}`,
            `10.200.${index >> 8}.${index & 255}`,
            createdAt,
            updatedAt,
          );
      })();
    } finally {
      database.close();
    }
    const total = seededCount + 3;

    await page.goto(`${cluster.web.url}/instances`);
    const pager = page.getByTestId('table-pager');
    await page.getByTestId('page-range').waitFor();
    await expect(pager.textContent()).resolves.toContain(`${total} instances`);
    await expect(page.getByTestId('page-range').textContent()).resolves.toBe(`1–50 of ${total}`);
    expect(await page.getByTestId('instances-table').locator('tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page.getByTestId('page-number').textContent()).resolves.toBe(
      `Page 2 of ${Math.ceil(total / 50)}`,
    );
    await page.getByLabel('Rows per page').selectOption('200');
    await expect(page.getByTestId('page-range').textContent()).resolves.toBe(`1–200 of ${total}`);
    expect(await page.getByTestId('instances-table').locator('tbody tr').count()).toBe(200);

    // Sorting and filtering see every row, not just the page.
    await page.getByTestId('sort-address').click();
    await page.getByTestId('sort-address').click();
    const lastAddress = `10.200.${seededCount >> 8}.${seededCount & 255}`;
    await page.locator('tbody tr').first().locator(`text=${lastAddress}`).waitFor();
    expect((await rowIds())[0]).toBe(`bulk-${seededCount}`);
    await shot('22-instances-many');
    await page.getByTestId('instance-search').fill('bulk-2999');
    await page.locator('tr[data-instance-id="bulk-2998"]').waitFor({ state: 'detached' });
    expect(await rowIds()).toEqual(['bulk-2999']);
    await expect(pager.textContent()).resolves.toContain(`1 of ${total} instances`);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('shows what the form refuses under each input, before anything is sent', async () => {
    const creates: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('instance.create')) creates.push(request.url());
    });
    await page.goto(`${cluster.web.url}/instances`);
    await page.getByTestId('create-instance').click();
    const dialog = page.getByTestId('create-instance-dialog');
    await dialog.locator('#instance-id').fill('-bad');
    await dialog.getByTestId('choose-address').click();
    await dialog.getByLabel('Instance address').fill('10.9.9.9');
    await dialog.getByTestId('add-port').click();
    await dialog.getByTestId('host-port').fill('70000');
    await dialog.getByTestId('instance-port').fill('80');
    await dialog.getByTestId('submit-instance').click();

    await dialog.locator('#instance-id-error').waitFor();
    await expect(dialog.locator('#instance-id-error').textContent()).resolves.toMatch(
      /must start with a letter or digit/,
    );
    await expect(dialog.locator('#instance-address-error').textContent()).resolves.toBe(
      `10.9.9.9 is not in the node's subnet ${node1.subnet}`,
    );
    await expect(dialog.getByTestId('port-row-error').textContent()).resolves.toBe(
      'host port must be 1-65535',
    );
    expect(await dialog.locator('#instance-id').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel('Instance address').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByTestId('host-port').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByTestId('error-notice').count()).toBe(0);
    await shotDialog('23-create-instance-form-errors');
    expect(creates).toEqual([]);

    // Fixing an input clears its error at once.
    await dialog.locator('#instance-id').fill('form-ok');
    await dialog.locator('#instance-id-error').waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it("puts the server's refusal under the input it names, the netcore's too, and the notice only names it", async () => {
    await page.goto(`${cluster.web.url}/instances`);
    await page.getByTestId('create-instance').click();
    const dialog = page.getByTestId('create-instance-dialog');
    const submitAndWaitForNotice = async () => {
      await dialog.getByTestId('submit-instance').click();
      await dialog.getByTestId('error-notice').waitFor();
    };

    // The database says the address is taken (sort-a holds it).
    await dialog.locator('#instance-id').fill('form-taken');
    await dialog.getByTestId('choose-address').click();
    await dialog.getByLabel('Instance address').fill(addressOf(30));
    await submitAndWaitForNotice();
    await expect(dialog.locator('#instance-address-error').textContent()).resolves.toBe(
      `${addressOf(30)} is already used by an instance`,
    );
    const notice = await dialog.getByTestId('error-notice').textContent();
    expect(notice).toMatch(/CONFLICT · field: ipAddr/);
    expect(notice).not.toContain('already used');
    await shotDialog('24-create-instance-server-field-error');

    // An id the cluster has.
    await dialog.locator('#instance-id').fill('sort-a');
    await dialog.getByLabel('Instance address').fill(addressOf(40));
    await dialog.getByTestId('submit-instance').click();
    await dialog.locator('#instance-id-error').waitFor();
    await expect(dialog.locator('#instance-id-error').textContent()).resolves.toBe(
      "there is already an instance 'sort-a'",
    );

    // An address the control plane does not know is taken, but the node does: an instance set up
    // behind its back. The node's netcore refuses `instanceIpCidr`; the form shows it under the address.
    const netcore = cluster.lab.netcoreFor('node1');
    await netcore.setupInstance({
      nodeId: 'node1',
      nodeIpAddr: node1.nodeIpAddr,
      instanceId: 'e2e-hidden',
      instanceIpCidr: `${addressOf(50)}/${node1.subnet.split('/')[1]}`,
      ports: [],
    });
    try {
      await dialog.locator('#instance-id').fill('form-hidden-clash');
      await dialog.getByLabel('Instance address').fill(addressOf(50));
      await dialog.getByTestId('submit-instance').click();
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="error-notice"]')?.textContent?.includes('field: ipAddr'),
      );
      await expect(dialog.locator('#instance-address-error').textContent()).resolves.toContain(addressOf(50));
      await expect(dialog.getByTestId('error-notice').textContent()).resolves.toMatch(/CONFLICT/);
      await shotDialog('25-create-instance-netcore-field-error');
    } finally {
      await netcore.cleanInstance({ instanceId: 'e2e-hidden' });
    }
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});
