import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDatabaseProblems } from '../testing/cluster-audit.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';
import { callHttp } from '../testing/http-call.js';

/**
 * The web API under malformed and hostile requests, through tRPC's fetch adapter (what the browser reaches)
 * against a real SQLite database and fake agents: every request is either accepted, leaving only valid
 * records, or refused with a typed error naming the offending field, leaving the database untouched and no
 * agent called. Never an internal error.
 */

/** A small seeded generator (mulberry32): the same inputs on every run, another seed explores others. */
const createRandom = (seed: number) => {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
};

const hostileStrings = [
  '',
  ' ',
  '-rf',
  '--help',
  '-n kudo',
  'a'.repeat(64),
  'a'.repeat(10_000),
  'node1; rm -rf /',
  '$(reboot)',
  '`id`',
  '../../etc/passwd',
  'kudob0123456789',
  'eth0',
  'lo',
  'nœud',
  '名前',
  '🚀',
  'a\u0000b',
  'a\nb',
  '\u202eevil',
  'null',
  '10.0.0.1/33',
  '10.0.0.256',
  '0.0.0.0',
  '255.255.255.255',
  '10.0.0.0/24',
  '10.0.0.1/24',
  '10.0.7.0/24',
  '1e3',
  '0x50',
  ' 80',
  'TCP',
  'icmp',
  'http://',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://[::1]:7070',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'Bearer x y',
  'tok\r\nX-Injected: 1',
];
const hostileNumbers = [0, -1, 1, 80, 65_535, 65_536, 1.5, -0, 1e308, 2 ** 53 + 2, 24, 33];
const hostileOthers = [null, true, false, [], {}, [1, 2], { a: 1 }, [[[[[]]]]], undefined];
const alphabet = 'aZ09._-/:;$`\'"\\ <>|&*?%\u0000\n\t🚀é';

const createHostileValue = (random: ReturnType<typeof createRandom>): unknown => {
  const kind = random.next();
  if (kind < 0.45) return random.pick(hostileStrings);
  if (kind < 0.65) return random.pick(hostileNumbers);
  if (kind < 0.8) return random.pick(hostileOthers);
  const length = Math.floor(random.next() * 80);
  return Array.from({ length }, () => random.pick([...alphabet])).join('');
};

type Input = Record<string, unknown>;

/** A copy of `input` with the value at `path` (`ports.0.hostPort`) replaced, or removed when undefined. */
const replaceAt = (input: Input, path: string, value: unknown): Input => {
  const copy = structuredClone(input);
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1) ?? '';
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
};

const isRelatedField = ({ field, path }: { field: string; path: string }) =>
  field === path || field.startsWith(`${path}.`) || path.startsWith(`${field}.`);

let database: FakeAgentPlane['database'];
const fake = createFakeAgentGateway();
let plane: FakeAgentPlane['plane'];

type Answer = {
  status: number;
  error?: { message: string; data?: { web?: { code: string; field?: string } | null } };
};

const call = async ({ path, input }: { path: string; input: unknown }): Promise<Answer> => {
  const response = await callHttp({ services: plane.services, path, input });
  const body = (await response.json()) as { error?: Answer['error'] };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
};

/** Every row of the desired state, in a stable order: equal snapshots mean nothing was written. */
const snapshotDatabase = async () => {
  const { db } = plane.deps;
  const rows = await Promise.all([
    db.clusterSettings.findMany({ orderBy: { id: 'asc' } }),
    db.node.findMany({ orderBy: { id: 'asc' } }),
    db.instance.findMany({ orderBy: { id: 'asc' } }),
    db.portMapping.findMany({ orderBy: { id: 'asc' } }),
    db.pendingChange.findMany({ orderBy: { id: 'asc' } }),
  ]);
  return JSON.stringify(rows);
};

/** Calls that change a node (reads such as a drift inspection may precede a refusal). */
const countChangeCalls = () =>
  fake.calls.filter(({ operation }) => !['health', 'inspect', 'diff', 'orphans'].includes(operation)).length;

/**
 * What a request may be refused with, without the database or an agent being touched: the fake agents
 * never fail, so AGENT_* here is only a new agent that cannot be reached or refuses the token.
 */
const refusalCodes = [
  'INVALID_INPUT',
  'CONFLICT',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'AGENT_UNREACHABLE',
  'AGENT_FAILED',
];

/**
 * Sends one request and checks the outcome: refused (a typed error; for INVALID_INPUT the field, related
 * to `mutatedPath` when one field was spoiled; nothing written, no agent called) or accepted (every
 * record still valid). Returns which.
 */
const sendAndCheck = async ({
  path,
  input,
  mutatedPath,
}: {
  path: string;
  input: unknown;
  mutatedPath?: string;
}) => {
  const before = await snapshotDatabase();
  const callsBefore = countChangeCalls();
  const answer = await call({ path, input });
  const context = JSON.stringify({ path, input }).slice(0, 300);
  if (answer.status === 200) {
    expect(await findDatabaseProblems({ db: plane.deps.db }), context).toEqual([]);
    return 'accepted' as const;
  }
  const web = answer.error?.data?.web;
  expect(refusalCodes, `${context} → ${answer.status} ${answer.error?.message}`).toContain(web?.code);
  expect(answer.error?.message, context).not.toMatch(/^\s*[[{]/);
  if (web?.code === 'INVALID_INPUT') {
    expect(answer.status, context).toBe(400);
    if (mutatedPath) {
      expect(web.field, `${context} → ${answer.error?.message}`).toBeTypeOf('string');
      expect(isRelatedField({ field: web.field ?? '', path: mutatedPath }), `${context} → ${web.field}`).toBe(
        true,
      );
    }
  }
  expect(await snapshotDatabase(), context).toBe(before);
  expect(countChangeCalls(), context).toBe(callsBefore);
  return 'refused' as const;
};

/** Procedures, a valid input for each (fresh per try, so a valid one can be accepted), and its fields. */
const createTargets = () => {
  let serial = 0;
  const next = () => {
    serial += 1;
    return serial;
  };
  return [
    {
      path: 'node.add',
      fields: ['agentUrl', 'agentToken', 'externalIpAddr', 'name', 'subnet'],
      createInput: () => {
        const n = next();
        const agent = fake.addAgent({ nodeId: `fuzz-node-${n}` });
        return {
          agentUrl: agent.url,
          agentToken: agent.token,
          externalIpAddr: `198.51.${100 + Math.floor(n / 250)}.${(n % 250) + 1}`,
          name: `fuzz node ${n}`,
        };
      },
    },
    {
      path: 'instance.create',
      fields: [
        'nodeId',
        'instanceId',
        'ipAddr',
        'ports',
        'ports.0',
        'ports.0.hostPort',
        'ports.0.instancePort',
        'ports.0.protocol',
      ],
      createInput: () => {
        const n = next();
        return {
          nodeId: 'node1',
          instanceId: `fuzz-${n}`,
          ports: [{ hostPort: 20_000 + n, instancePort: 80, protocol: 'tcp' }],
        };
      },
    },
    {
      path: 'portMapping.set',
      fields: [
        'instanceId',
        'ports',
        'ports.0',
        'ports.0.hostPort',
        'ports.0.instancePort',
        'ports.0.protocol',
      ],
      createInput: () => ({
        instanceId: 'web-1',
        ports: [{ hostPort: 30_000 + next(), instancePort: 8080, protocol: 'udp' }],
      }),
    },
    {
      path: 'instance.delete',
      fields: ['instanceId'],
      createInput: () => ({ instanceId: `fuzz-${next()}` }),
    },
    {
      path: 'node.remove',
      fields: ['nodeId', 'force'],
      createInput: () => ({ nodeId: 'no-such-node', force: false }),
    },
    { path: 'node.retry', fields: ['nodeId'], createInput: () => ({ nodeId: 'node1' }) },
    { path: 'node.check', fields: ['nodeId'], createInput: () => ({ nodeId: 'node1' }) },
    { path: 'inspection.reconcile', fields: ['nodeId', 'itemId'], createInput: () => ({ nodeId: 'node1' }) },
    {
      path: 'inspection.cleanOrphans',
      fields: ['nodeId', 'dryRun'],
      createInput: () => ({ nodeId: 'node1', dryRun: true }),
    },
    {
      path: 'cluster.updateSettings',
      fields: ['clusterCidr', 'nodePrefixLength'],
      createInput: () => ({ clusterCidr: '10.1.0.0/16', nodePrefixLength: 24 }),
    },
  ];
};

beforeAll(async () => {
  const node1 = fake.addAgent({ nodeId: 'node1' });
  ({ database, plane } = await createFakeAgentPlane({ gateway: fake.gateway, nodes: [node1] }));
  await plane.admin.instance.create({
    nodeId: 'node1',
    instanceId: 'web-1',
    ports: [{ hostPort: 80, instancePort: 8080 }],
  });
});
afterAll(async () => {
  await database?.remove();
});

describe('malformed requests to the web API', () => {
  it('refuses what is not an object, or names the wrong field, with 400 and changes nothing', async () => {
    for (const input of [null, 'node1', 42, [], [{ nodeId: 'node1' }], true]) {
      expect(await sendAndCheck({ path: 'instance.create', input })).toBe('refused');
      expect(await sendAndCheck({ path: 'node.add', input })).toBe('refused');
    }
    const named = [
      { path: 'instance.create', input: { nodeId: 'node1', instanceId: '-rf' }, field: 'instanceId' },
      {
        path: 'instance.create',
        input: { nodeId: 'node1', instanceId: 'x', ipAddr: '10.0.1.5' },
        field: 'ipAddr',
      },
      {
        path: 'instance.create',
        input: { nodeId: 'node1', instanceId: 'x', ipAddr: '10.0.0.1' },
        field: 'ipAddr',
      },
      {
        path: 'instance.create',
        input: {
          nodeId: 'node1',
          instanceId: 'x',
          ports: [
            { hostPort: 81, instancePort: 1 },
            { hostPort: 81, instancePort: 2 },
          ],
        },
        field: 'ports.1.hostPort',
      },
      {
        path: 'node.add',
        input: { agentUrl: 'file:///etc/passwd', agentToken: 't', externalIpAddr: '198.51.100.2' },
        field: 'agentUrl',
      },
      {
        path: 'node.add',
        input: { agentUrl: 'http://a', agentToken: 'two words', externalIpAddr: '198.51.100.2' },
        field: 'agentToken',
      },
      {
        path: 'node.add',
        input: { agentUrl: 'http://a', agentToken: 'tök', externalIpAddr: '198.51.100.2' },
        field: 'agentToken',
      },
      {
        path: 'node.add',
        input: { agentUrl: 'http://a', agentToken: 't', externalIpAddr: '198.51.100.2', name: 'a\nb' },
        field: 'name',
      },
      {
        path: 'node.add',
        input: {
          agentUrl: 'http://a',
          agentToken: 't',
          externalIpAddr: '198.51.100.2',
          subnet: '10.9.0.0/24',
        },
        field: 'subnet',
      },
      {
        path: 'cluster.updateSettings',
        input: { clusterCidr: '10.0.0.1/16', nodePrefixLength: 24 },
        field: 'clusterCidr',
      },
    ];
    for (const { path, input, field } of named) {
      const answer = await call({ path, input });
      expect({ path, status: answer.status, web: answer.error?.data?.web }).toEqual({
        path,
        status: 400,
        web: { code: 'INVALID_INPUT', field },
      });
    }
    expect((await plane.viewer.instance.list()).map(({ id }) => id)).toEqual(['web-1']);
    expect((await plane.viewer.node.list()).map(({ id }) => id)).toEqual(['node1']);
  });

  it('an agent reporting a malformed node id is refused, and nothing is recorded', async () => {
    for (const nodeId of ['-rf', 'a b', 'x'.repeat(64), '']) {
      const agent = fake.addAgent({ nodeId });
      const before = await snapshotDatabase();
      const answer = await call({
        path: 'node.add',
        input: { agentUrl: agent.url, agentToken: agent.token, externalIpAddr: '198.51.100.99' },
      });
      expect(answer.error?.data?.web?.code).toBe('INVALID_INPUT');
      expect(await snapshotDatabase()).toBe(before);
    }
  });

  it('1,000 requests, most with one field spoiled at random: each is accepted cleanly or refused naming it', {
    timeout: 120_000,
  }, async () => {
    const random = createRandom(20_261_128);
    const targets = createTargets();
    const outcomes = { accepted: 0, refused: 0, spoiled: 0 };
    for (let index = 0; index < 1000; index += 1) {
      const target = random.pick(targets);
      const mutatedPath = random.pick(target.fields);
      // One in ten is left valid, so the accepting path is exercised alongside the refusals.
      const isSpoiled = random.next() >= 0.1;
      const input = isSpoiled
        ? replaceAt(target.createInput(), mutatedPath, createHostileValue(random))
        : target.createInput();
      if (isSpoiled) outcomes.spoiled += 1;
      outcomes[await sendAndCheck({ path: target.path, input, mutatedPath })] += 1;
    }
    console.log(
      `[malformed-input] 1000 requests, ${outcomes.spoiled} with a spoiled field: ${outcomes.accepted} accepted, ${outcomes.refused} refused`,
    );
    expect(outcomes.refused).toBeGreaterThan(outcomes.accepted);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
  });
});
