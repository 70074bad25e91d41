import type { ServiceDeps } from '../deps.js';
import { createMetricsHistory } from './metrics-history.js';
import { readMetricsSeries, type TMetricsRequest } from './read-metrics.js';
import { type LastScrape, scrapeAllNodes, startMetricsScraper } from './scrape-metrics.js';

/** How many scrapes the charts keep: 10 minutes at the default 5 s interval. */
export const metricsHistoryLength = 120;

/**
 * The charts' data: every agent's metrics scraped into a bounded history in this process's memory, read
 * per node and as cluster totals. Until the scraper starts, the series are empty (`intervalMs` 0).
 */
export const createMetricsServices = (deps: ServiceDeps) => {
  const history = createMetricsHistory({ length: metricsHistoryLength });
  const lastScrapes = new Map<string, LastScrape>();
  let scrapeIntervalMs = 0;
  /** One scrape of every agent now (the scraper does it every interval); `now` is the scrape's time. */
  const scrapeAll = ({ now }: { now?: () => number } = {}) =>
    scrapeAllNodes({ deps, history, lastScrapes, now });
  return {
    readSeries: ({ request }: { request: TMetricsRequest }) =>
      readMetricsSeries({ deps, history, intervalMs: scrapeIntervalMs, request }),
    scrapeAll,
    /** Scrapes every agent every `intervalMs`, until `stop()`. */
    startScraper: ({ intervalMs }: { intervalMs: number }) => {
      scrapeIntervalMs = intervalMs;
      return startMetricsScraper({ scrape: () => scrapeAll(), intervalMs, logger: deps.logger });
    },
  };
};
