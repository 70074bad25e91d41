import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import { type AgentCounters, readAgentCounters } from './agent-counters.js';
import type { MetricsHistory } from './metrics-history.js';
import { parseExposition } from './parse-exposition.js';
import { type CounterIncrease, findCounterIncrease } from './series-maths.js';

export type LastScrape = { at: number; counters: AgentCounters };

/** One node's counters now, or null when its agent does not answer (a gap in its series, not an error). */
const scrapeNode = async ({
  deps,
  node,
}: {
  deps: ServiceDeps;
  node: { id: string; agentUrl: string; agentToken: string };
}) => {
  try {
    const text = await deps.gateway.connect({ url: node.agentUrl, token: node.agentToken }).readMetrics();
    return readAgentCounters({ samples: parseExposition({ text }) });
  } catch (error) {
    deps.logger.debug({ nodeId: node.id, error: describeError(error) }, 'metrics scrape failed');
    return null;
  }
};

/**
 * One scrape of every node's agent, recorded in `history`: each node's increase since its last scrape.
 * A node whose agent did not answer gets a gap, and so does its next answer (a rate needs two scrapes in a
 * row). `lastScrapes` is the scraper's memory of the previous scrape, updated here.
 */
export const scrapeAllNodes = async ({
  deps,
  history,
  lastScrapes,
  now = Date.now,
}: {
  deps: ServiceDeps;
  history: MetricsHistory;
  lastScrapes: Map<string, LastScrape>;
  now?: () => number;
}) => {
  const nodes = await deps.db.node.findMany({
    where: { removeRequestedAt: null },
    select: { id: true, agentUrl: true, agentToken: true },
  });
  const at = now();
  const scrapes = await Promise.all(
    nodes.map(async (node) => ({ nodeId: node.id, counters: await scrapeNode({ deps, node }) })),
  );
  const increases = new Map<string, CounterIncrease | null>();
  for (const { nodeId, counters } of scrapes) {
    const last = lastScrapes.get(nodeId);
    increases.set(
      nodeId,
      last && counters
        ? findCounterIncrease({ previous: last.counters, current: counters, seconds: (at - last.at) / 1000 })
        : null,
    );
    if (counters) lastScrapes.set(nodeId, { at, counters });
    else lastScrapes.delete(nodeId);
  }
  for (const nodeId of lastScrapes.keys()) if (!increases.has(nodeId)) lastScrapes.delete(nodeId);
  history.record({ at, increases });
};

/**
 * Runs `scrape` every `intervalMs` (from the start of one to the start of the next) until `stop()`.
 * Every replica scrapes for itself: the series are in memory, so any replica can answer for the charts.
 */
export const startMetricsScraper = ({
  scrape,
  intervalMs,
  logger,
}: {
  scrape: () => Promise<void>;
  intervalMs: number;
  logger: ServiceDeps['logger'];
}) => {
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    const startedAt = Date.now();
    running = scrape()
      .catch((error) => logger.warn({ error: describeError(error) }, 'metrics scrape failed'))
      .finally(() => {
        if (!isStopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - startedAt)));
      });
  };
  timer = setTimeout(tick, 0);
  return {
    stop: async () => {
      isStopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
