import { formatMs, formatRatio, formatSpread, type Spread, spreadOf } from '../measure.js';
import { renderTable } from '../report/markdown.js';
import type { ControlPlanePlan, ControlPlaneResult, MeasuredCalls, Throughput } from './control-plane.js';
import type { CallStats } from './control-plane-client.js';

/** The targets of issue 16 for the path through the control plane. */
export const controlPlaneTargets = { serialRatio: 3, perSecond: 200, p99Ms: 500 } as const;

const over = (results: readonly ControlPlaneResult[], pick: (result: ControlPlaneResult) => number): Spread =>
  spreadOf(results.map(pick));

const formatRate = (spread: Spread) =>
  Number.isFinite(spread.median)
    ? `${spread.median.toFixed(0)}/s${spread.runs > 1 ? ` (${spread.min.toFixed(0)}-${spread.max.toFixed(0)})` : ''}`
    : 'n/a';

type Row = { label: string; pick: (result: ControlPlaneResult) => MeasuredCalls | Throughput };

const renderLatencies = ({ results, rows }: { results: readonly ControlPlaneResult[]; rows: Row[] }) =>
  renderTable({
    headers: [
      '',
      'calls (failed)',
      'per second',
      'median',
      'p99',
      'node lock',
      'database',
      'agent call',
      'rest of the handler',
      'HTTP + Next.js',
      'control plane CPU',
      "agents' CPU",
    ],
    rows: rows.map(({ label, pick }) => {
      const layer = (choose: (stats: CallStats) => number) =>
        formatSpread(over(results, (r) => choose(pick(r))));
      const first = results[0] ? pick(results[0]) : undefined;
      return [
        label,
        `${first?.count ?? 0}${first?.failures.count ? ` (**${first.failures.count}**)` : ''}`,
        first && 'perSecond' in first
          ? formatRate(over(results, (r) => (pick(r) as Throughput).perSecond))
          : '',
        layer((stats) => stats.medianMs),
        layer((stats) => stats.p99Ms),
        layer((stats) => stats.layers.lock),
        layer((stats) => stats.layers.db),
        layer((stats) => stats.layers.agent),
        layer((stats) => stats.layers.total - stats.layers.lock - stats.layers.db - stats.layers.agent),
        layer((stats) => stats.layers.http),
        formatSpread(over(results, (r) => pick(r).cpu.web)),
        formatSpread(over(results, (r) => pick(r).cpu.agents)),
      ];
    }),
  });

const mark = (isMet: boolean) => (isMet ? 'met' : '**missed**');

/** The section of docs/benchmarks.md about the path through the control plane, over every run. */
export const renderControlPlane = ({
  results,
  plan,
}: {
  results: readonly ControlPlaneResult[];
  plan: ControlPlanePlan;
}) => {
  if (results.length === 0) return '## Through the control plane\n\n_Not measured (the section failed)._\n';
  const serialRatio = over(results, (r) => r.serialCreate.medianMs / r.directSetupMs);
  const deleteRatio = over(results, (r) => r.serialDelete.medianMs / r.directCleanMs);
  const perSecond = over(results, (r) => r.concurrentCreate.perSecond);
  const p99 = over(results, (r) => r.concurrentCreate.p99Ms);
  const clients = plan.clients;
  return [
    '## Through the control plane',
    '',
    `A cluster as \`npm start\` runs it, on ${results[0]?.nodes} lab node machines: the built dashboard on its`,
    'own machine, the packaged agent joined on each node. Instances (one TCP port mapping each) are created',
    "and deleted through the web API as the dashboard does it: tRPC over HTTP with the admin's session cookie,",
    "then the address plan, the database, the node's agent and the kernel. Each client has its own kept-alive",
    "connection, opened (and its session read) before the burst, as an open dashboard has. Latency is the client's; the split",
    "per layer is the control plane's own `Server-Timing` (medians of each call's; *rest of the handler*: the",
    'session check, tRPC and the audit bookkeeping outside the database; *HTTP + Next.js*: what the client',
    "waited beyond the handler). *CPU* is per call: the CPU time the control plane's web server (`next-server`)",
    "and the agents' Node processes used during the calls, divided by their number (the commands the agents",
    'start are not counted); on a shared machine it moves much less with the load than latency does. The peer',
    "is netcore's `setupInstance` / `cleanInstance` called directly on a lab node in the same run.",
    '',
    renderLatencies({
      results,
      rows: [
        { label: 'one admin, create', pick: (r) => r.serialCreate },
        { label: 'one admin, delete', pick: (r) => r.serialDelete },
        { label: `${clients} clients, create`, pick: (r) => r.concurrentCreate },
        { label: `${clients} clients, delete`, pick: (r) => r.concurrentDelete },
      ],
    }),
    '',
    renderTable({
      headers: ['target', 'measured', ''],
      rows: [
        [
          `one creation at a time <= ${controlPlaneTargets.serialRatio}x netcore setupInstance (${formatSpread(over(results, (r) => r.directSetupMs))})`,
          formatRatio(serialRatio.median),
          mark(serialRatio.median <= controlPlaneTargets.serialRatio),
        ],
        [
          `one deletion at a time, against netcore cleanInstance (${formatSpread(over(results, (r) => r.directCleanMs))})`,
          formatRatio(deleteRatio.median),
          '',
        ],
        [
          `${clients} clients: >= ${controlPlaneTargets.perSecond} creations/s`,
          formatRate(perSecond),
          mark(perSecond.median >= controlPlaneTargets.perSecond),
        ],
        [
          `${clients} clients: p99 <= ${controlPlaneTargets.p99Ms} ms`,
          `${formatMs(p99.median)} ms`,
          mark(p99.median <= controlPlaneTargets.p99Ms),
        ],
      ],
    }),
    '',
  ].join('\n');
};
