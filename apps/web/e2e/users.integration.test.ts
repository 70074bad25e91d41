import { randomBytes } from 'node:crypto';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { LabCluster } from '../../../scripts/lab-cluster/lab-cluster.js';
import { repositoryRoot as root, useDashboardCluster } from '../src/server/testing/dashboard-cluster.js';
import { launchBrowser, saveScreenshot, signInThroughForm } from './browser.js';

/**
 * Named users in a real browser (Debian's chromium) against a one-node lab cluster: an admin invites a
 * user who sets a password through the link and signs in; each role sees what it may do; an admin ends
 * a session open in another browser; guessing a password is throttled.
 */
describeWithNamespaces('users, roles and sessions in a real browser', () => {
  const dashboard = useDashboardCluster({ nodeCount: 1, tag: 'usr' });
  let cluster: LabCluster;
  // Two browsers of their own (profiles, cookies): the admin's and the invited user's.
  let adminBrowser: Awaited<ReturnType<typeof launchBrowser>>;
  let userBrowser: Awaited<ReturnType<typeof launchBrowser>>;
  let admin: Page;
  let user: Page;
  const userPassword = `u-${randomBytes(12).toString('base64url')}`;
  const shot = (page: Page, name: string) => saveScreenshot({ page, root, name });

  beforeAll(async () => {
    ({ cluster } = dashboard());
    cluster.onStop(async () => {
      await adminBrowser?.close();
      await userBrowser?.close();
    });
    cluster.rememberSecret({ label: "the invited user's password", value: userPassword });
    adminBrowser = await launchBrowser();
    userBrowser = await launchBrowser();
    admin = await adminBrowser.context.newPage();
    user = await userBrowser.context.newPage();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50);
    if (admin) await shot(admin, `failed-users-admin-${name}`);
    if (user) await shot(user, `failed-users-user-${name}`);
  });

  /** The action buttons of a page, once `ready` shows: whether each is disabled, and why. */
  const readActions = async ({ page, path, ready }: { page: Page; path: string; ready: string }) => {
    await page.goto(`${cluster.web.url}${path}`);
    await page.locator(ready).first().waitFor();
    return Promise.all(
      (await page.locator('[data-action-button]').all()).map(async (action) => ({
        text: (await action.textContent())?.trim(),
        isDisabled: await action.isDisabled(),
        reason: await action.getAttribute('data-disabled-reason'),
      })),
    );
  };

  it('an admin invites a user; the user sets a password through the link and signs in', async () => {
    await signInThroughForm({
      page: admin,
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
    await admin.goto(`${cluster.web.url}/users`);
    await admin.getByLabel('Name').fill('ursula');
    await admin.getByLabel('Role', { exact: true }).selectOption('operator');
    await admin.getByRole('button', { name: 'Invite' }).click();
    const link = (await admin.getByTestId('invite-url').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^${cluster.web.url}/set-password#[A-Za-z0-9_-]{43}$`));
    cluster.rememberSecret({ label: 'invite link token', value: link.split('#')[1] ?? '' });
    await admin.locator('tr[data-user="ursula"]').waitFor();
    await shot(admin, 'users-01-invited');
    // Shown once: after a reload the page lists the user but no link.
    await admin.reload();
    await admin.locator('tr[data-user="ursula"]').waitFor();
    expect(await admin.getByTestId('invite-url').count()).toBe(0);

    await user.goto(link);
    await expect(user.getByTestId('invited-name').textContent()).resolves.toBe('ursula');
    await user.getByLabel('New password').fill(userPassword);
    await user.getByLabel('Repeat it').fill(userPassword);
    await shot(user, 'users-02-set-password');
    await user.getByRole('button', { name: 'Set password' }).click();
    await user.getByText('Your password is set').waitFor();
    // The link works once.
    await user.goto(link);
    await user.reload();
    await user.getByText('This link cannot be used').waitFor();

    await signInThroughForm({ page: user, baseUrl: cluster.web.url, name: 'ursula', password: userPassword });
    await expect(user.getByTestId('user-name').textContent()).resolves.toBe('ursula');
    await shot(user, 'users-03-signed-in-as-invited');
  });

  it('each role sees the actions it may take enabled, and the others disabled with the reason', async () => {
    const viewerPage = await userBrowser.context.newPage();
    // The viewer in a fresh context of the user's browser would share its cookie: a third browser.
    const third = await launchBrowser();
    try {
      const viewer = await third.context.newPage();
      await signInThroughForm({
        page: viewer,
        baseUrl: cluster.web.url,
        name: 'viewer',
        password: cluster.credentials.viewer,
      });
      const pages = [
        { path: '/instances', ready: '[data-testid="create-instance"]' },
        { path: '/nodes', ready: '[data-testid="add-node"]' },
      ];
      const seen: Record<
        string,
        Record<string, { text?: string; isDisabled: boolean; reason: string | null }[]>
      > = {};
      for (const [role, page] of [
        ['admin', admin],
        ['operator', user],
        ['viewer', viewer],
      ] as const) {
        seen[role] = {};
        for (const { path, ready } of pages) {
          const actions = await readActions({ page, path, ready });
          (seen[role] as Record<string, typeof actions>)[path] = actions;
        }
        await shot(page, `users-04-${role}-nodes`);
      }
      const instanceCreate = (role: string) =>
        seen[role]?.['/instances']?.find((action) => action.text?.includes('Create instance'));
      const nodeAdd = (role: string) =>
        seen[role]?.['/nodes']?.find((action) => action.text?.includes('Add node'));
      expect(instanceCreate('admin')?.isDisabled).toBe(false);
      expect(instanceCreate('operator')?.isDisabled).toBe(false);
      expect(instanceCreate('viewer')).toMatchObject({
        isDisabled: true,
        reason: expect.stringMatching(/viewers/),
      });
      expect(nodeAdd('admin')?.isDisabled).toBe(false);
      expect(nodeAdd('operator')).toMatchObject({
        isDisabled: true,
        reason: expect.stringMatching(/need an admin/),
      });
      expect(nodeAdd('viewer')?.isDisabled).toBe(true);
      // Only an admin is shown the Users and Sessions pages.
      for (const [role, page] of [
        ['admin', admin],
        ['operator', user],
        ['viewer', viewer],
      ] as const)
        expect({ role, users: await page.getByRole('link', { name: 'Users' }).count() }).toEqual({
          role,
          users: role === 'admin' ? 1 : 0,
        });
    } finally {
      await viewerPage.close();
      await third.close();
    }
  });

  it("an admin ends the invited user's session from another browser: the user's next request signs them out", async () => {
    await admin.goto(`${cluster.web.url}/sessions`);
    const row = admin.locator('tr[data-testid="session-row"][data-user="ursula"]');
    await row.waitFor();
    await shot(admin, 'users-05-sessions');
    await row.getByRole('button', { name: 'End' }).click();
    await row.waitFor({ state: 'detached' });
    await user.goto(`${cluster.web.url}/instances`);
    await user.waitForURL('**/sign-in');
    await shot(user, 'users-06-session-ended');
  });

  it('guessing is throttled: "try again in N s", the right password refused while blocked, accepted after', async () => {
    const signInWith = async (password: string) => {
      await user.goto(`${cluster.web.url}/sign-in`);
      await user.getByLabel('User').fill('ursula');
      await user.getByLabel('Password').fill(password);
      await user.getByRole('button', { name: 'Sign in' }).click();
    };
    // Wrong passwords until the block in force is long enough to try the right one inside it even on a busy
    // machine (the first block is 2 s; it doubles with each failure counted once a block has passed).
    let blockSeconds = 0;
    for (let attempt = 0; blockSeconds < 5; attempt += 1) {
      expect(attempt).toBeLessThan(40);
      await signInWith(`wrong-${attempt}`);
      const message = user.getByText(/wrong user name or password|too many failed sign-ins/).first();
      await message.waitFor();
      blockSeconds = Number(/try again in (\d+) s/.exec((await message.textContent()) ?? '')?.[1] ?? 0);
    }
    await signInWith(userPassword);
    await user.getByText(/too many failed sign-ins: try again in \d+ s/).waitFor();
    await shot(user, 'users-07-throttled');
    expect(new URL(user.url()).pathname).toBe('/sign-in');
    // Once the block has passed, the right password signs in (tried again until then).
    await expect
      .poll(
        async () => {
          await signInWith(userPassword);
          await user.waitForURL((url) => url.pathname === '/' || url.pathname === '/sign-in');
          await user
            .getByText(/too many failed sign-ins|Overview/)
            .first()
            .waitFor();
          return new URL(user.url()).pathname;
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe('/');
    await expect(user.getByTestId('user-name').textContent()).resolves.toBe('ursula');
  });
});
