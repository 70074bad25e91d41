import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { LabCluster } from '../../../scripts/lab-cluster/lab-cluster.js';
import { repositoryRoot as root, useDashboardCluster } from '../src/server/testing/dashboard-cluster.js';
import { checkLogsForSecrets } from '../src/server/testing/log-secrets.js';
import { launchBrowser, saveScreenshot, saveScreenshotsOfFailures, signInThroughForm } from './browser.js';
import { readCurlCommands } from './readme-commands.js';

const run = promisify(execFile);

/** A JSON answer of the API, as `curl` printed it. */
const readAnswer = (stdout: string) =>
  JSON.parse(stdout) as {
    result?: { data: unknown };
    error?: { message: string; data: { code: string; httpStatus: number } };
  };

/**
 * API tokens end to end, against a one-node lab cluster: a token made on the API tokens page in a real
 * browser, then used by real `curl` processes (the README's own commands, as written) and by the typed
 * client example; a read token refused every change, a cross-site request refused with a token, revoking
 * in the page stopping the token at once, and the audit log naming the user and the token.
 */
describeWithNamespaces('API tokens made in the browser, used with curl', () => {
  const dashboard = useDashboardCluster({ nodeCount: 1, tag: 'tok' });
  let cluster: LabCluster;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let writeToken: string;
  let readToken: string;
  const shot = (name: string) => saveScreenshot({ page, root, name });

  /** One `curl` of our own: the answer and its HTTP status. */
  const curl = async ({
    token,
    path,
    body,
    headers = [],
  }: {
    token: string;
    path: string;
    body?: unknown;
    headers?: string[];
  }) => {
    const args = ['-sS', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${token}`];
    for (const header of headers) args.push('-H', header);
    if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
    const { stdout } = await run('curl', [...args, `${cluster.web.url}${path}`]);
    const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
    return { status, answer: readAnswer(stdout.slice(0, stdout.lastIndexOf('\n'))) };
  };

  /** Makes a token through the page's form and returns the secret it shows once. */
  const makeToken = async ({ name, scope }: { name: string; scope: 'read' | 'write' }) => {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Scope').selectOption(scope);
    await page.getByLabel('Expires in').selectOption('7');
    await page.getByRole('button', { name: 'Make token' }).click();
    const secret = page.getByTestId('new-token-secret');
    await page.getByText(`Token '${name}' made`).waitFor();
    const value = (await secret.textContent())?.trim() ?? '';
    cluster.rememberSecret({ label: `API token ${name}`, value });
    return value;
  };

  beforeAll(async () => {
    ({ cluster } = dashboard());
    cluster.onStop(async () => browser?.close());
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await signInThroughForm({
      page,
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
    for (const cookie of await browser.context.cookies())
      if (cookie.httpOnly)
        cluster.rememberSecret({ label: `browser cookie ${cookie.name}`, value: cookie.value });
  });

  saveScreenshotsOfFailures({ root, prefix: 'failed-tokens-', getPage: () => page });

  it('makes a write token on the API tokens page: the secret is shown once, the list keeps its prefix', async () => {
    await page.goto(`${cluster.web.url}/api-tokens`);
    writeToken = await makeToken({ name: 'e2e curl', scope: 'write' });
    expect(writeToken).toMatch(/^kudo_[A-Za-z0-9_-]{43}$/);
    const row = page.locator('[data-testid="api-tokens"] tr[data-token-name="e2e curl"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(writeToken.slice(0, 12));
    await shot('tokens-01-made');
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(writeToken);
    expect(await row.textContent()).toContain('never');
  });

  it("the README's curl commands list the nodes, create an instance with a port mapping, read and delete it", async () => {
    const commands = await readCurlCommands({
      file: join(root, 'apps', 'web', 'README.md'),
      marker: 'api/trpc/node.list',
    });
    expect(commands).toHaveLength(4);
    const answers = [];
    for (const command of commands) {
      const { stdout } = await run('bash', ['-c', command], {
        env: { ...process.env, KUDO_URL: cluster.web.url, KUDO_TOKEN: writeToken },
      });
      answers.push(readAnswer(stdout));
    }
    const [nodes, created, read, deleted] = answers;
    expect(nodes?.result?.data).toEqual([expect.objectContaining({ id: 'node1', status: 'ready' })]);
    expect(created?.result?.data).toMatchObject({
      id: 'web-9',
      nodeId: 'node1',
      status: 'running',
      portMappings: [{ hostPort: 18080, instancePort: 80, protocol: 'tcp' }],
    });
    expect(read?.result?.data).toMatchObject({ id: 'web-9', portMappings: [{ hostPort: 18080 }] });
    expect(deleted?.error).toBeUndefined();
    expect(await cluster.api.instance.list.query()).toEqual([]);
  });

  it('the typed client example runs with the token', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(root, 'apps', 'web', 'examples', 'api-client.ts')],
      {
        cwd: root,
        env: { ...process.env, KUDO_URL: cluster.web.url, KUDO_TOKEN: writeToken },
      },
    );
    expect(stdout).toContain('nodes: node1 (ready)');
    expect(stdout).toMatch(/created example-1 at 10\.\d+\.\d+\.\d+ on node1/);
    expect(stdout).toContain('ports: 18080->80/tcp');
    expect(stdout).toContain('deleted example-1');
  });

  it('a read token lists but is refused every change, naming its scope', async () => {
    readToken = await makeToken({ name: 'e2e read', scope: 'read' });
    const listed = await curl({ token: readToken, path: '/api/trpc/node.list' });
    expect(listed.status).toBe(200);
    const refused = await curl({
      token: readToken,
      path: '/api/trpc/instance.create',
      body: { nodeId: 'node1', instanceId: 'by-read-token' },
    });
    expect(refused.status).toBe(403);
    expect(refused.answer.error?.message).toBe(
      'token e2e read has scope read: changes need a token of scope write',
    );
    expect(await cluster.api.instance.list.query()).toEqual([]);
  });

  it('a change from another site is refused even with a write token', async () => {
    const refused = await curl({
      token: writeToken,
      path: '/api/trpc/instance.create',
      body: { nodeId: 'node1', instanceId: 'cross-site' },
      headers: ['Origin: http://evil.example'],
    });
    expect(refused.status).toBe(403);
    expect(refused.answer.error?.message).toContain('http://evil.example');
    expect(await cluster.api.instance.list.query()).toEqual([]);
  });

  it('the list shows the last use; revoking in the page stops the token at once', async () => {
    await page.reload();
    const row = page.locator('[data-testid="api-tokens"] tr[data-token-name="e2e curl"]');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/just now|s ago/);
    await shot('tokens-02-used');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.locator('[data-status="revoked"]').waitFor();
    const refused = await curl({ token: writeToken, path: '/api/trpc/node.list' });
    expect(refused.status).toBe(401);
    expect(refused.answer.error?.message).toBe("the API token 'e2e curl' was revoked");
    await shot('tokens-03-revoked');
  });

  it('the audit log names the user and the token of every change made through it', async () => {
    const { entries } = await cluster.api.event.list.query({ limit: 100 });
    const byToken = entries
      .filter(({ actor }) => actor.endsWith('(token e2e curl)'))
      .map(({ action, targetId, result }) => `${action} ${targetId} ${result}`)
      .reverse();
    // The refused ones (read scope, cross-site) never reached a service: nothing to audit.
    expect(byToken).toEqual([
      'instance.create web-9 ok',
      'instance.delete web-9 ok',
      'instance.create example-1 ok',
      'instance.delete example-1 ok',
    ]);
  });

  it('no secret this run used (passwords, cookies, API, join and agent tokens) is in its logs', async () => {
    // Checked again over the whole logs once the cluster has stopped (useDashboardCluster).
    const { checkedBytes } = await checkLogsForSecrets({
      files: cluster.logFiles,
      secrets: cluster.usedSecrets,
    });
    expect(checkedBytes).toBeGreaterThan(0);
    expect(cluster.usedSecrets.map(({ label }) => label)).toEqual(
      expect.arrayContaining([
        'admin password',
        'join token of node1',
        'API token e2e curl',
        'API token e2e read',
      ]),
    );
  });
});
