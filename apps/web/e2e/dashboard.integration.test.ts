import { listNamespaces } from '@kudo/netcore/lab';
import { request, runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { createApiClient, signIn } from '../../../scripts/lab-cluster/api-client.js';
import type { LabCluster } from '../../../scripts/lab-cluster/lab-cluster.js';
import { repositoryRoot as root, useDashboardCluster } from '../src/server/testing/dashboard-cluster.js';
import { launchBrowser, saveScreenshot, saveScreenshotsOfFailures, signInThroughForm } from './browser.js';

/**
 * The dashboard end to end, in a real browser (Debian's chromium, headless) against a real cluster: a
 * lab of three node namespaces, an agent per node, the production build of the dashboard. Each step
 * checks what a user sees, and what the kernel and the traffic say about it.
 */
describeWithNamespaces('dashboard in a real browser', () => {
  const dashboard = useDashboardCluster({ nodeCount: 3, tag: 'web' });
  let cluster: LabCluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const stopServers: (() => Promise<void>)[] = [];
  const shot = (name: string) => saveScreenshot({ page, root, name });
  const shotDialog = (name: string) => saveScreenshot({ page, root, name, isFullPage: false });
  const node = (name: string) => {
    const found = cluster.agents.find((agent) => agent.nodeName === name);
    if (!found) throw new Error(`no lab node ${name}`);
    return found;
  };

  beforeAll(async () => {
    ({ cluster } = dashboard());
    cluster.onStop(async () => {
      for (const stop of stopServers) await stop();
      await browser?.close();
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  saveScreenshotsOfFailures({ root, prefix: 'failed-', getPage: () => page });

  it('signs in and shows the three lab nodes on the topology', async () => {
    await page.goto(`${cluster.web.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot('01-sign-in');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('wrong user name or password').textContent()).resolves.toBeTruthy();

    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
    await page.getByTestId('overview-nodes').locator('li').nth(2).waitFor();
    await shot('02-overview');

    await page.goto(`${cluster.web.url}/topology`);
    const groups = page.getByTestId('topology-node');
    await groups.nth(2).waitFor();
    expect(
      await groups.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-node-id'))),
    ).toEqual(['node1', 'node2', 'node3']);
    await expect(groups.first().textContent()).resolves.toContain(node('node1').externalIpAddr);
    await shot('03-topology');
  });

  it('creates an instance with a port mapping through the form, reachable from outside the cluster', async () => {
    await page.goto(`${cluster.web.url}/instances`);
    await page.getByTestId('create-instance').click();
    const dialog = page.getByTestId('create-instance-dialog');
    await dialog.locator('#instance-node').selectOption('node1');
    await dialog.locator('#instance-id').fill('e2e-web');
    await dialog.getByTestId('add-port').click();
    await dialog.getByTestId('host-port').fill('8080');
    await dialog.getByTestId('instance-port').fill('80');
    await shotDialog('04-create-instance');
    await dialog.getByTestId('submit-instance').click();
    const row = page.locator('tr[data-instance-id="e2e-web"]');
    await row.locator('[data-status="running"]').waitFor();
    await expect(row.textContent()).resolves.toContain('8080 → 80/tcp');
    await shot('05-instances');

    await row.getByRole('link', { name: 'e2e-web' }).click();
    const namespace = (await page.getByTestId('instance-namespace').textContent())?.trim() ?? '';
    expect(namespace).toMatch(new RegExp(`^${node('node1').namespace}-i-e2e-web-`));
    await shot('06-instance');

    const server = await startServer({ namespace, port: 80, name: 'e2e-web' });
    stopServers.push(server.stop);
    const { outside } = cluster.lab;
    await expect(
      request({ from: outside.namespace, host: node('node1').externalIpAddr, port: 8080 }),
    ).resolves.toBe(`hello from e2e-web to ${outside.ipAddr}`);
  });

  it('updates the page live, keeps the selected rows, and can pause', async () => {
    await page.goto(`${cluster.web.url}/instances`);
    const selected = page.locator('tr[data-instance-id="e2e-web"]');
    await selected.getByRole('checkbox').check();
    const toggle = page.getByTestId('live-toggle');
    await page.locator('[data-testid="live-toggle"][data-status="live"]').waitFor();

    // A change made elsewhere (here through the API) appears without reloading; the selection stays.
    await cluster.api.instance.create.mutate({ nodeId: 'node2', instanceId: 'e2e-live', ports: [] });
    const liveRow = page.locator('tr[data-instance-id="e2e-live"]');
    await liveRow.waitFor();
    expect(await selected.getAttribute('aria-selected')).toBe('true');

    await toggle.click();
    await page.locator('[data-testid="live-toggle"][data-status="paused"]').waitFor();
    await cluster.api.instance.delete.mutate({ instanceId: 'e2e-live' });
    expect(await liveRow.count()).toBe(1);
    // Resuming catches up with what happened while paused.
    await toggle.click();
    await liveRow.waitFor({ state: 'detached' });
    expect(await selected.getAttribute('aria-selected')).toBe('true');
  });

  it('shows where a request failed: a host port that is taken is refused on its field', async () => {
    await page.goto(`${cluster.web.url}/instances`);
    await page.getByTestId('create-instance').click();
    const dialog = page.getByTestId('create-instance-dialog');
    await dialog.locator('#instance-node').selectOption('node1');
    await dialog.locator('#instance-id').fill('e2e-clash');
    await dialog.getByTestId('add-port').click();
    await dialog.getByTestId('host-port').fill('8080');
    await dialog.getByTestId('instance-port').fill('8000');
    await dialog.getByTestId('submit-instance').click();
    const notice = dialog.getByTestId('error-notice');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toMatch(/CONFLICT/);
    expect(await dialog.getByTestId('host-port').getAttribute('aria-invalid')).toBe('true');
    await shotDialog('07-create-instance-conflict');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows the drift of a veth deleted by hand, and its Fix button repairs it', async () => {
    const veth = (await cluster.api.instance.get.query({ instanceId: 'e2e-web' })).hostInterfaceName ?? '';
    await runIn({ namespace: node('node1').namespace, command: ['ip', 'link', 'del', veth] });
    const { outside } = cluster.lab;
    const reach = () => request({ from: outside.namespace, host: node('node1').externalIpAddr, port: 8080 });
    await expect(reach()).resolves.toBeUndefined();

    await page.goto(`${cluster.web.url}/nodes/node1`);
    const item = page.locator('[data-testid="drift-item"][data-target="e2e-web"]');
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('veth is missing');
    await shot('08-node-drift');

    await item.getByTestId('fix-drift').click();
    await page.getByTestId('no-drift').waitFor();
    expect(await page.getByTestId('drift-item').count()).toBe(0);
    await shot('09-node-fixed');
    await expect(reach()).resolves.toBe(`hello from e2e-web to ${outside.ipAddr}`);
  });

  it('cleans an orphan after showing the dry-run plan', async () => {
    const node1 = await cluster.api.node.get.query({ nodeId: 'node1' });
    const netcore = cluster.lab.netcoreFor('node1');
    const ghostNamespace = netcore.getNamespaceName('e2e-ghost');
    // An instance set up behind the control plane's back: nothing in the database owns it.
    await netcore.setupInstance({
      nodeId: 'node1',
      nodeIpAddr: node1.nodeIpAddr,
      instanceId: 'e2e-ghost',
      instanceIpCidr: `${node1.subnet.split('.').slice(0, 3).join('.')}.250/${node1.subnet.split('/')[1]}`,
      ports: [],
    });
    expect(await listNamespaces()).toContain(ghostNamespace);

    await page.goto(`${cluster.web.url}/nodes/node1`);
    await page.locator(`[data-testid="orphan-list"] [data-name="${ghostNamespace}"]`).waitFor();
    await page.getByTestId('clean-orphans').click();
    const dialog = page.getByTestId('clean-orphans-dialog');
    await dialog.locator(`[data-testid="orphan-plan"] [data-name="${ghostNamespace}"]`).waitFor();
    expect(await listNamespaces()).toContain(ghostNamespace);
    await shotDialog('10-orphans-plan');

    await dialog.getByTestId('confirm-clean').click();
    await page.getByTestId('clean-result').waitFor();
    await page.getByTestId('no-orphans').waitFor();
    expect(await listNamespaces()).not.toContain(ghostNamespace);
    // The instance the control plane knows is untouched.
    await expect(
      request({ from: cluster.lab.outside.namespace, host: node('node1').externalIpAddr, port: 8080 }),
    ).resolves.toMatch(/^hello from e2e-web/);
  });

  it('lets a viewer see everything but press no action, and the API refuses a viewer change', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'viewer',
      password: cluster.credentials.viewer,
    });
    await page.getByTestId('readonly-banner').waitFor();

    // Every page, once its data is shown: each action is a disabled button that says why.
    const pages = [
      { path: '/', ready: '[data-testid="overview-nodes"] li' },
      { path: '/nodes', ready: 'tr[data-node-id="node1"]' },
      { path: '/nodes/node1', ready: '[data-testid="kernel-state"]' },
      { path: '/instances', ready: 'tr[data-instance-id="e2e-web"]' },
      { path: '/instances/e2e-web', ready: '[data-testid="instance-namespace"]' },
      { path: '/port-mappings', ready: '[data-testid="port-mappings-table"] tbody tr' },
    ];
    for (const { path, ready } of pages) {
      await page.goto(`${cluster.web.url}${path}`);
      await page.locator(ready).first().waitFor();
      const actions = page.locator('[data-action-button]');
      expect(await actions.count(), `actions on ${path}`).toBeGreaterThan(0);
      for (const action of await actions.all()) {
        expect(await action.isDisabled(), `an action on ${path}`).toBe(true);
        expect(await action.getAttribute('data-disabled-reason')).toMatch(
          /viewers cannot change the cluster/,
        );
      }
      if (path === '/instances') await shot('11-viewer-instances');
      if (path === '/nodes/node1') await shot('12-viewer-node');
    }

    const viewerApi = createApiClient({
      baseUrl: cluster.web.url,
      cookie: await signIn({
        baseUrl: cluster.web.url,
        name: 'viewer',
        password: cluster.credentials.viewer,
      }),
    });
    await expect(viewerApi.instance.delete.mutate({ instanceId: 'e2e-web' })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
    await expect(cluster.api.instance.get.query({ instanceId: 'e2e-web' })).resolves.toMatchObject({
      status: 'running',
    });
  });

  it('removes a node once its name is typed, and its route disappears from the other nodes', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
    const { subnet } = await cluster.api.node.get.query({ nodeId: 'node3' });
    const routesOfNode1 = () =>
      runIn({ namespace: node('node1').namespace, command: ['ip', 'route', 'show'] });
    await expect(routesOfNode1()).resolves.toContain(subnet);

    await page.goto(`${cluster.web.url}/nodes/node3`);
    await page.getByTestId('remove-node').click();
    const dialog = page.getByTestId('remove-node-dialog');
    await expect(dialog.getByTestId('removal-plan').textContent()).resolves.toContain(subnet);
    const confirm = dialog.getByTestId('confirm-remove-node');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-node-name').fill('node');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-node-name').fill('node3');
    await shotDialog('13-remove-node');
    await confirm.click();
    await page.waitForURL('**/nodes');
    await page.locator('tr[data-node-id="node1"]').waitFor();
    expect(await page.locator('tr[data-node-id="node3"]').count()).toBe(0);
    await shot('14-nodes-after-removal');
    await expect(routesOfNode1()).resolves.not.toContain(subnet);
  });

  it('lists the port mappings and the audit log of everything done', async () => {
    await page.goto(`${cluster.web.url}/port-mappings`);
    const mapping = page.getByTestId('port-mappings-table').locator('tbody tr', { hasText: 'e2e-web' });
    await expect(mapping.textContent()).resolves.toContain(`${node('node1').externalIpAddr}:8080`);
    await shot('15-port-mappings');
    await page.goto(`${cluster.web.url}/events`);
    const actions = page.getByTestId('events-list').locator('[data-action]');
    await actions.first().waitFor();
    const seen = await actions.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    for (const action of [
      // The lab's machines join with a token, as real machines do (no node.add with a URL and token).
      'node.join',
      'instance.create',
      'inspection.reconcile',
      'inspection.cleanOrphans',
      'node.remove',
    ])
      expect(seen).toContain(action);
    await shot('16-events');
    await page.goto(`${cluster.web.url}/topology`);
    await page.locator('[data-testid="topology-instance"][data-instance-id="e2e-web"]').waitFor();
    await shot('17-topology-after');
  });

  it('shows operations live in the Operations panel: progress, failures, and pausing', async () => {
    await page.goto(`${cluster.web.url}/events`);
    await page.locator('[data-testid="operations-status"][data-status="live"]').waitFor();
    const controlPlane = page.locator('[data-testid="operation-group"][data-group="control-plane"]');
    const operation = ({ name, subject, status }: { name: string; subject: string; status: string }) =>
      `[data-testid="operation"][data-operation="${name}"][data-subject="${subject}"][data-status="${status}"]`;

    // What ran before the page was opened: a removal's steps, and a refusal with its code, field and reason.
    const removal = controlPlane.locator(
      operation({ name: 'node.remove', subject: 'node3', status: 'finished' }),
    );
    const removalProgress = removal.getByTestId('operation-progress');
    expect(await removalProgress.getAttribute('data-step')).toBe('3');
    expect(await removalProgress.getAttribute('data-total')).toBe('3');
    await expect(removalProgress.textContent()).resolves.toContain('cleaned node3');
    const refusal = controlPlane.locator(
      operation({ name: 'instance.create', subject: 'e2e-clash', status: 'failed' }),
    );
    await expect(refusal.getByTestId('operation-error').textContent()).resolves.toMatch(
      /CONFLICT.*ports\.0\.hostPort.*already mapped/,
    );

    // A change made elsewhere appears while it happens, on the node whose agent runs it.
    await cluster.api.instance.create.mutate({ nodeId: 'node2', instanceId: 'e2e-ops', ports: [] });
    const node2 = page.locator('[data-testid="operation-group"][data-group="node2"]');
    await node2
      .locator(operation({ name: 'setupInstance', subject: 'e2e-ops', status: 'finished' }))
      .waitFor();
    await controlPlane
      .locator(operation({ name: 'instance.create', subject: 'e2e-ops', status: 'finished' }))
      .waitFor();
    await expect(
      node2.locator('[data-operation="setupInstance"][data-subject="e2e-ops"]').textContent(),
    ).resolves.toMatch(/finished in \d/);

    // A reconcile reports its steps; the fix runs on the node's agent.
    const veth = (await cluster.api.instance.get.query({ instanceId: 'e2e-ops' })).hostInterfaceName ?? '';
    await runIn({ namespace: node('node2').namespace, command: ['ip', 'link', 'del', veth] });
    await cluster.api.inspection.reconcile.mutate({ nodeId: 'node2' });
    const reconcile = controlPlane.locator(
      operation({ name: 'inspection.reconcile', subject: 'node2', status: 'finished' }),
    );
    await reconcile.waitFor();
    const reconcileProgress = reconcile.getByTestId('operation-progress');
    expect(await reconcileProgress.getAttribute('data-step')).toBe(
      await reconcileProgress.getAttribute('data-total'),
    );
    await expect(reconcileProgress.textContent()).resolves.toContain('fixed instance e2e-ops');

    // Paused, nothing new shows; resumed, it catches up.
    await page.getByTestId('live-toggle').click();
    await page.locator('[data-testid="operations-status"][data-status="paused"]').waitFor();
    await cluster.api.instance.delete.mutate({ instanceId: 'e2e-ops' });
    const cleanup = node2.locator(
      operation({ name: 'cleanInstance', subject: 'e2e-ops', status: 'finished' }),
    );
    await page.waitForTimeout(1_000);
    expect(await cleanup.count()).toBe(0);
    await page.getByTestId('live-toggle').click();
    await cleanup.waitFor();

    // A node added with an address no other node can route to: the addition's steps, and each peer's
    // agent refusing the announcement with its code, field and reason. node3 was removed (its certificate
    // revoked), so its machine joins again, as a re-installed machine would, on an address behind a router
    // only the control plane knows.
    await cluster.rejoinNode({ nodeName: 'node3', externalAddress: '203.0.113.50' });
    // Newest first: this addition, not node3's first one.
    const addition = controlPlane
      .locator(operation({ name: 'node.setup', subject: 'node3', status: 'finished' }))
      .first();
    const additionProgress = addition.getByTestId('operation-progress');
    expect(await additionProgress.getAttribute('data-step')).toBe('3');
    expect(await additionProgress.getAttribute('data-total')).toBe('3');
    for (const peer of ['node1', 'node2']) {
      const refused = page
        .locator(`[data-testid="operation-group"][data-group="${peer}"]`)
        .locator(operation({ name: 'newNodeInCluster', subject: 'node3', status: 'failed' }));
      await expect(refused.getByTestId('operation-error').textContent()).resolves.toMatch(
        /UNREACHABLE.*externalIpAddr.*203\.0\.113\.50/,
      );
    }
    await shot('18-events-operations');
  });
});
