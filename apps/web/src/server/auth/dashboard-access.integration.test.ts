import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import type { LabCluster } from '../../../../../scripts/lab-cluster/lab-cluster.js';
import { createDatabase } from '../db/database.js';
import { repositoryRoot, useDashboardCluster } from '../testing/dashboard-cluster.js';
import { appRouter } from '../trpc/root.js';
import type { ProcedureMeta } from '../trpc/trpc.js';
import { hasRole, type UserRole } from './context-user.js';
import { sessionCookieName } from './session-cookie.js';
import { hashSessionToken } from './sessions.js';

const appDirectory = join(repositoryRoot, 'apps', 'web', 'src', 'app');

/** Every file named `name` under the app directory, as its URL path (`(group)` segments dropped). */
const listRoutes = async (name: 'page.tsx' | 'route.ts') => {
  const files = (await readdir(appDirectory, { recursive: true })).filter(
    (file) => file === name || file.endsWith(`${sep}${name}`),
  );
  return files
    .map(
      (file) =>
        `/${relative(appDirectory, join(appDirectory, file))
          .split(sep)
          .slice(0, -1)
          .filter((segment) => !/^\(.*\)$/.test(segment))
          .join('/')}`,
    )
    .sort();
};

type Procedure = { path: string; type: 'query' | 'mutation' | 'subscription'; role?: ProcedureMeta['role'] };
const procedures: Procedure[] = Object.entries(
  // Flat at run time, one entry per dotted path (the type describes the nested routers).
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: Procedure['type']; meta?: ProcedureMeta } }
  >,
).map(([path, procedure]) => ({ path, type: procedure._def.type, role: procedure._def.meta?.role }));

/** Whether a user of `role` may call a procedure, as the procedure declares it (the least role it needs). */
const isAllowed = ({ procedure, role }: { procedure: Procedure; role: UserRole }) =>
  procedure.role === 'public' || (procedure.role !== undefined && hasRole({ role, least: procedure.role }));

/** A valid input for each procedure, so that a refusal can only come from who is asking. */
const inputs: Record<string, unknown> = {
  'cluster.updateSettings': { clusterCidr: '10.1.0.0/16', nodePrefixLength: 24 },
  'node.get': { nodeId: 'node1' },
  'node.add': { agentUrl: 'http://127.0.0.1:9/', agentToken: 'x', externalIpAddr: '198.51.100.99' },
  'node.remove': { nodeId: 'node1', force: true },
  'node.retry': { nodeId: 'node1' },
  'node.check': { nodeId: 'node1' },
  'instance.get': { instanceId: 'web-1' },
  'instance.create': {
    nodeId: 'node1',
    instanceId: 'intruder',
    ports: [{ hostPort: 9999, instancePort: 80 }],
  },
  'instance.delete': { instanceId: 'web-1' },
  'portMapping.set': { instanceId: 'web-1', ports: [{ hostPort: 9998, instancePort: 80 }] },
  'inspection.inspect': { nodeId: 'node1' },
  'inspection.reconcile': { nodeId: 'node1' },
  'inspection.orphans': { nodeId: 'node1' },
  'inspection.cleanOrphans': { nodeId: 'node1', dryRun: false },
  'joinToken.create': { description: 'intruder' },
  'joinToken.revoke': { id: 'no-such-token' },
  'nodeCredentials.get': { nodeId: 'node1' },
  'nodeCredentials.rotate': { nodeId: 'node1' },
  'search.query': { text: '8080' },
  'user.invite': { name: 'intruder', role: 'admin' },
  'user.changeRole': { userId: 'no-such-user', role: 'admin' },
  'user.setDisabled': { userId: 'no-such-user', disabled: true },
  'user.changeOwnPassword': { currentPassword: 'not-the-password', newPassword: 'a-new-password-1' },
  'session.end': { sessionId: '0'.repeat(64) },
  'token.create': { name: 'intruder', scope: 'write', expiresInDays: 7 },
  'token.revoke': { id: 'no-such-token' },
};

/**
 * Access control of the dashboard, against its production build (`next start` on a free loopback port)
 * with a one-node lab cluster and its real agent: every page and API route needs a session, a viewer's
 * changes are refused by the server, sessions expire, cross-site form posts are refused, and the agent's
 * token appears in no page and no API answer.
 */
describeWithNamespaces('dashboard access control', () => {
  const dashboard = useDashboardCluster({ nodeCount: 1, tag: 'acc' });
  let cluster: LabCluster;
  let dataDir: string;
  let adminCookie: string;
  let viewerCookie: string;
  let operatorCookie: string;
  const operatorPassword = randomBytes(12).toString('base64url');
  let agentToken: string;
  let pages: string[];

  const send = ({
    path,
    cookie,
    method = 'GET',
    body,
    headers = {},
    redirect = 'manual',
  }: {
    path: string;
    cookie?: string;
    method?: string;
    body?: string | FormData;
    headers?: Record<string, string>;
    redirect?: RequestRedirect;
  }) =>
    fetch(`${cluster.web.url}${path}`, {
      method,
      redirect,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(30_000),
    });

  /** A procedure called as the dashboard's client calls it (queries as GET, changes as JSON POST). */
  const callProcedure = async ({ path, type }: Procedure, cookie?: string) => {
    const input = inputs[path];
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response =
      type === 'mutation'
        ? await send({
            path: `/api/trpc/${path}`,
            cookie,
            method: 'POST',
            body: JSON.stringify(input ?? null),
            headers: { 'content-type': 'application/json' },
          })
        : await send({ path: `/api/trpc/${path}${query}`, cookie });
    const text = type === 'subscription' ? await readFirstEvent(response) : await response.text();
    return { status: response.status, text };
  };

  /** The first server-sent event of a subscription, then the stream is closed. */
  const readFirstEvent = async (response: Response) => {
    const reader = response.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader?.cancel();
    return text;
  };

  /** What the admin sees of the cluster through the API: equal before and after means nothing changed. */
  const readClusterState = async () =>
    JSON.stringify(
      await Promise.all([
        cluster.api.cluster.settings.query(),
        cluster.api.node.list.query(),
        cluster.api.instance.list.query(),
        cluster.api.portMapping.list.query(),
      ]),
    );

  const signIn = async (name: string, password = cluster.credentials[name as 'admin' | 'viewer']) => {
    const response = await send({
      path: '/api/auth/sign-in',
      method: 'POST',
      body: JSON.stringify({ name, password }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    const header =
      response.headers.getSetCookie().find((line) => line.startsWith(`${sessionCookieName}=`)) ?? '';
    expect(header).toMatch(/; HttpOnly/i);
    expect(header).toMatch(/; SameSite=lax/i);
    expect(header).toMatch(/; Max-Age=28800/i);
    return header.split(';')[0] ?? '';
  };

  /**
   * A new admin session (signed in through the form's route) made `ageMinutes` old in the database, as if
   * it had been started then: its start and its end (the 8-hour lifetime) moved back.
   */
  const ageSession = async ({ ageMinutes }: { ageMinutes: number }) => {
    const cookie = await signIn('admin');
    const db = createDatabase({ databaseUrl: `file:${join(dataDir, 'kudo.db')}` });
    try {
      const createdAt = new Date(Date.now() - ageMinutes * 60_000);
      await db.session.update({
        where: { id: hashSessionToken(cookie.slice(sessionCookieName.length + 1)) },
        data: { createdAt, expiresAt: new Date(createdAt.getTime() + 480 * 60_000) },
      });
    } finally {
      await db.$disconnect();
    }
    return cookie;
  };

  /**
   * Every procedure called by a user of `role`: refused (403) what needs a higher role, answered (200)
   * every read it may make. The changes it may make are left out here (they are its own account's, or an
   * operator's, proved by their own tests).
   */
  const expectRoleAccess = async ({ role, cookie }: { role: UserRole; cookie: string }) => {
    const before = await readClusterState();
    for (const procedure of procedures) {
      const allowed = isAllowed({ procedure, role });
      if (allowed && procedure.type === 'mutation') continue;
      const { status, text } = await callProcedure(procedure, cookie);
      if (!allowed)
        expect({ path: procedure.path, status, isRefused: text.includes('FORBIDDEN') }).toEqual({
          path: procedure.path,
          status: 403,
          isRefused: true,
        });
      else expect({ path: procedure.path, status }).toEqual({ path: procedure.path, status: 200 });
    }
    expect(await readClusterState()).toBe(before);
  };

  const toUrl = (page: string) => page.replace('[nodeId]', 'node1').replace('[instanceId]', 'web-1');

  beforeAll(async () => {
    ({ cluster, dataDir } = dashboard());
    agentToken = cluster.agents[0]?.token ?? '';
    await cluster.api.instance.create.mutate({
      nodeId: 'node1',
      instanceId: 'web-1',
      ports: [{ hostPort: 8080, instancePort: 80 }],
    });
    adminCookie = await signIn('admin');
    viewerCookie = await signIn('viewer');
    // An operator, invited by the admin, who sets a password through the link.
    const invited = await cluster.api.user.invite.mutate({ name: 'olga', role: 'operator' });
    cluster.rememberSecret({ label: 'invite link token', value: invited.token });
    cluster.rememberSecret({ label: "the operator's password", value: operatorPassword });
    const accepted = await send({
      path: '/api/auth/set-password',
      method: 'POST',
      body: JSON.stringify({ token: invited.token, password: operatorPassword }),
      headers: { 'content-type': 'application/json' },
    });
    expect(accepted.status).toBe(200);
    operatorCookie = await signIn('olga', operatorPassword);
    // The set-password page is for signed-out visitors with a link, like the sign-in page.
    pages = (await listRoutes('page.tsx')).filter((page) => page !== '/sign-in' && page !== '/set-password');
  });

  it('knows every page and API route of the app (a new one must be added here)', async () => {
    expect(pages).toEqual([
      '/',
      '/account',
      '/api-tokens',
      '/events',
      '/instances',
      '/instances/[instanceId]',
      '/nodes',
      '/nodes/[nodeId]',
      '/port-mappings',
      '/sessions',
      '/topology',
      '/users',
    ]);
    expect(await listRoutes('route.ts')).toEqual([
      '/api/auth/invite',
      '/api/auth/set-password',
      '/api/auth/sign-in',
      '/api/auth/sign-out',
      '/api/join',
      '/api/join/ca',
      '/api/trpc/[trpc]',
    ]);
    expect(procedures.length).toBeGreaterThanOrEqual(20);
  });

  it('every page sends a visitor without a valid session to sign in, showing nothing of the cluster', {
    timeout: 120_000,
  }, async () => {
    // A well-formed session id that was never issued.
    const forged = `${sessionCookieName}=${randomBytes(32).toString('base64url')}`;
    for (const page of pages)
      for (const cookie of [undefined, `${sessionCookieName}=garbage`, forged]) {
        const response = await send({ path: toUrl(page), cookie });
        const text = await response.text();
        expect({ page, status: response.status, location: response.headers.get('location') }).toEqual({
          page,
          status: 307,
          location: '/sign-in',
        });
        for (const secret of ['10.0.0.0/24', '10.0.0.2', cluster.agents[0]?.url ?? '', agentToken])
          expect(text).not.toContain(secret);
      }
  });

  it('every API procedure refuses a request without a session with 401, and gives nothing away', {
    timeout: 120_000,
  }, async () => {
    const before = await readClusterState();
    for (const procedure of procedures) {
      const { status, text } = await callProcedure(procedure);
      expect({ path: procedure.path, status, isRefused: text.includes('UNAUTHORIZED') }).toEqual({
        path: procedure.path,
        status: procedure.type === 'subscription' ? 200 : 401,
        isRefused: true,
      });
      expect(text).not.toContain('10.0.0.0/24');
    }
    expect(await readClusterState()).toBe(before);
  });

  it('a viewer reads everything, and every change a viewer sends is refused by the server (403)', {
    timeout: 120_000,
  }, async () => {
    await expectRoleAccess({ role: 'viewer', cookie: viewerCookie });
  });

  it('an operator reads everything, and every change beyond instances and port mappings is refused (403)', {
    timeout: 120_000,
  }, async () => {
    expect(
      procedures
        .filter((procedure) => procedure.role === 'operator')
        .map(({ path }) => path)
        .sort(),
    ).toEqual(['instance.create', 'instance.delete', 'portMapping.set']);
    await expectRoleAccess({ role: 'operator', cookie: operatorCookie });
  });

  it('an operator creates, maps and deletes an instance; the audit log names the operator', {
    timeout: 120_000,
  }, async () => {
    const call = (path: string, input: unknown) =>
      send({
        path: `/api/trpc/${path}`,
        cookie: operatorCookie,
        method: 'POST',
        body: JSON.stringify(input),
        headers: { 'content-type': 'application/json' },
      });
    expect((await call('instance.create', { nodeId: 'node1', instanceId: 'op-made' })).status).toBe(200);
    const ports = { instanceId: 'op-made', ports: [{ hostPort: 9997, instancePort: 80 }] };
    expect((await call('portMapping.set', ports)).status).toBe(200);
    expect((await call('instance.delete', { instanceId: 'op-made' })).status).toBe(200);
    const { entries } = await cluster.api.event.list.query({ limit: 20, user: 'olga' });
    expect(entries.map(({ actor, action }) => `${actor} ${action}`).sort()).toEqual([
      'olga instance.create',
      'olga instance.delete',
      'olga portMapping.set',
      // Setting the password through the invite link, as olga herself.
      'olga user.acceptInvite',
    ]);
  });

  it('a session expires after its lifetime (8 hours): an older cookie opens nothing', async () => {
    const fresh = await ageSession({ ageMinutes: 470 });
    const expired = await ageSession({ ageMinutes: 490 });
    const listNodes = { path: 'node.list', type: 'query' } as const;
    expect((await callProcedure(listNodes, fresh)).status).toBe(200);
    expect((await send({ path: '/nodes', cookie: fresh })).status).toBe(200);
    expect((await callProcedure(listNodes, expired)).status).toBe(401);
    expect((await send({ path: '/nodes', cookie: expired })).headers.get('location')).toBe('/sign-in');
  });

  it('a change posted by a page of another site is refused, whatever the form, and changes nothing', async () => {
    const before = await readClusterState();
    const input = { nodeId: 'node1', instanceId: 'forged', ports: [{ hostPort: 7777, instancePort: 80 }] };
    const multipart = new FormData();
    multipart.set('nodeId', 'node1');
    multipart.set('instanceId', 'forged');
    const forms: { body: string | FormData; headers: Record<string, string> }[] = [
      {
        body: new URLSearchParams({ nodeId: 'node1', instanceId: 'forged' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      { body: multipart, headers: {} },
      // enctype="text/plain" with a crafted field name makes a JSON body.
      { body: `${JSON.stringify(input).slice(0, -1)},"x":"="}`, headers: { 'content-type': 'text/plain' } },
      { body: JSON.stringify(input), headers: { 'content-type': 'application/json' } },
    ];
    const origins: Record<string, string>[] = [
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      // Another port of the same host is the same site for cookies: SameSite=Lax does not stop it.
      { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
    ];
    for (const form of forms)
      for (const site of origins) {
        const response = await send({
          path: '/api/trpc/instance.create',
          cookie: adminCookie,
          method: 'POST',
          body: form.body,
          headers: { ...form.headers, ...site },
        });
        expect({
          type: form.headers['content-type'] ?? 'multipart',
          ...site,
          status: response.status,
        }).toEqual({
          type: form.headers['content-type'] ?? 'multipart',
          ...site,
          status: 403,
        });
      }
    expect(await readClusterState()).toBe(before);
    const sameOrigin = await send({
      path: '/api/trpc/instance.create',
      cookie: adminCookie,
      method: 'POST',
      body: JSON.stringify({ ...input, instanceId: 'own-origin' }),
      headers: {
        'content-type': 'application/json',
        origin: cluster.web.url,
        'sec-fetch-site': 'same-origin',
      },
    });
    expect(sameOrigin.status).toBe(200);
    await cluster.api.instance.delete.mutate({ instanceId: 'own-origin' });
  });

  it('sign-in and sign-out refuse a cross-site form post too', async () => {
    const signInForm = await send({
      path: '/api/auth/sign-in',
      method: 'POST',
      body: `{"name":"viewer","password":"${cluster.credentials.viewer}","x":"="}`,
      headers: {
        'content-type': 'text/plain',
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    const signOutForm = await send({
      path: '/api/auth/sign-out',
      cookie: adminCookie,
      method: 'POST',
      body: '',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect([signInForm.status, signOutForm.status]).toEqual([403, 403]);
  });

  it("the agent's token is in no page and no API answer, even to the admin", {
    timeout: 120_000,
  }, async () => {
    expect(agentToken).toMatch(/^[0-9a-f]{48}$/);
    for (const page of [...pages, '/sign-in']) {
      for (const headers of [{}, { rsc: '1' }] as Record<string, string>[]) {
        // An RSC request (the page's data, as the client router fetches it) is redirected to its _rsc URL.
        const response = await send({ path: toUrl(page), cookie: adminCookie, headers, redirect: 'follow' });
        const text = await response.text();
        expect({ page, headers, status: response.status }).toEqual({ page, headers, status: 200 });
        expect(text).not.toContain(agentToken);
      }
    }
    for (const procedure of procedures.filter(({ type }) => type !== 'mutation')) {
      const { status, text } = await callProcedure(procedure, adminCookie);
      expect({ path: procedure.path, status }).toEqual({ path: procedure.path, status: 200 });
      expect(text).not.toContain(agentToken);
    }
    const duplicate = await send({
      path: '/api/trpc/node.add',
      cookie: adminCookie,
      method: 'POST',
      body: JSON.stringify({ agentUrl: cluster.agents[0]?.url, agentToken, externalIpAddr: '198.51.100.11' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.text()).not.toContain(agentToken);
    const { text: audit } = await callProcedure({ path: 'event.list', type: 'query' }, adminCookie);
    expect(audit).toContain('node.add');
    expect(audit).not.toContain(agentToken);
  });

  it('every response carries the security headers; a page runs its scripts only with its own nonce', {
    timeout: 120_000,
  }, async () => {
    const expectCommonHeaders = (path: string, response: Response) =>
      expect({
        path,
        nosniff: response.headers.get('x-content-type-options'),
        referrer: response.headers.get('referrer-policy'),
        frame: response.headers.get('x-frame-options'),
        poweredBy: response.headers.get('x-powered-by'),
      }).toEqual({ path, nosniff: 'nosniff', referrer: 'same-origin', frame: 'DENY', poweredBy: null });
    const nonces = new Set<string>();
    let scriptUrl = '';
    for (const [page, cookie] of [
      ...pages.map((page) => [toUrl(page), adminCookie] as const),
      ['/sign-in', undefined] as const,
      ['/sign-in', undefined] as const,
    ]) {
      const response = await send({ path: page, cookie });
      const html = await response.text();
      expect({ page, status: response.status }).toEqual({ page, status: 200 });
      expectCommonHeaders(page, response);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("object-src 'none'");
      expect(policy).not.toContain('unsafe-eval');
      const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(policy)?.[1] ?? '';
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      nonces.add(nonce);
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts)
        expect({ page, script }).toEqual({ page, script: expect.stringContaining(`nonce="${nonce}"`) });
      scriptUrl ||= /<script\b[^>]*src="(\/_next\/static\/[^"]+)"/.exec(html)?.[1] ?? '';
    }
    // A nonce of its own for every response (the sign-in page was asked twice).
    expect(nonces.size).toBe(pages.length + 2);
    expect(scriptUrl).not.toBe('');
    for (const [path, cookie] of [
      ['/api/trpc/node.list', adminCookie],
      ['/api/trpc/node.list', undefined],
      ['/api/join/ca', undefined],
      [scriptUrl, undefined],
      ['/favicon.svg', undefined],
      ['/no-such-page', adminCookie],
    ] as const) {
      const response = await send({ path, cookie });
      await response.arrayBuffer();
      expectCommonHeaders(path, response);
      // The API is never a document: the strictest policy, fixed (no proxy on its hot path).
      if (path.startsWith('/api/'))
        expect({ path, policy: response.headers.get('content-security-policy') }).toEqual({
          path,
          policy: "default-src 'none'; frame-ancestors 'none'",
        });
    }
  });
});
