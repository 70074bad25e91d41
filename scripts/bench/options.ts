import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export type BenchOptions = {
  isQuick: boolean;
  runs: number;
  counts: number[];
  /** Instances on one node for the flat test (netcore alone: last 10 against first 10 of setup and teardown). */
  flatCount: number;
  bulkCount: number;
  mappingCount: number;
  /** Mappings already on the node when the port-mapping candidates (iptables, nftables) add and remove one. */
  candidateMappingCount: number;
  /** Repetitions of the small timed steps (port mapping adds, kernel probes). */
  repetitions: number;
  agentCalls: number;
  outputPath: string;
};

/** Untimed instances set up and cleaned before the flat test's round (see runScaling's `warmUpCount`). */
export const flatWarmUpCount = 10;

const docsPath = join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

export const usage = `usage: npm run bench [-- --quick] [-- --runs N] [-- --out FILE]
  --quick   N = 1 and 5, one run, small bulk and port counts; writes to a temp file, not docs/ (for CI)
  --runs N  how many times the whole benchmark runs (default 3); medians and spread are over runs
  --out F   where the Markdown goes (default docs/benchmarks.md, or a temp file with --quick)
  --counts  instance counts to run, e.g. 10,50 (default 1,10,50,200; a partial run for a look while working)
  --flat N  instances on one node for the flat test, netcore alone (default 1000; 20 with --quick)
  --port-candidates N  mappings on the node when iptables and nftables add and remove one (default 20000)`;

const parseCounts = (text: string) => {
  const counts = text.split(',').map(Number);
  if (counts.some((count) => !Number.isInteger(count) || count < 1))
    throw new Error(`--counts must be positive integers separated by commas, not ${text}`);
  return counts;
};

export const parseOptions = (argv: readonly string[]): BenchOptions => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      out: { type: 'string' },
      counts: { type: 'string' },
      flat: { type: 'string' },
      'port-candidates': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const isQuick = values.quick ?? false;
  const runs = Number(values.runs ?? (isQuick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const [flatCount, candidateMappingCount] = [
    { name: '--flat', text: values.flat, fallback: isQuick ? 20 : 1000 },
    { name: '--port-candidates', text: values['port-candidates'], fallback: isQuick ? 100 : 20_000 },
  ].map(({ name, text, fallback }) => {
    const count = Number(text ?? fallback);
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`${name} must be a positive integer, not ${text}`);
    return count;
  });
  return {
    isQuick,
    runs,
    counts: values.counts ? parseCounts(values.counts) : isQuick ? [1, 5] : [1, 10, 50, 200],
    flatCount: flatCount ?? 1000,
    bulkCount: isQuick ? 5 : 200,
    mappingCount: isQuick ? 20 : 1000,
    candidateMappingCount: candidateMappingCount ?? 20_000,
    repetitions: isQuick ? 3 : 10,
    agentCalls: isQuick ? 5 : 50,
    outputPath: values.out ?? (isQuick ? join(tmpdir(), 'kudo-bench-quick.md') : docsPath),
  };
};

export { docsPath };
