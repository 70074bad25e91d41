/**
 * Reads Prometheus's text exposition format (version 0.0.4, what prom-client serves) into its samples.
 * Hand-written on purpose: the one npm parser of the format (parse-prometheus-text-format) merges every
 * series of a labelled histogram into one and drops their labels, and our latency histogram is labelled.
 * Only samples are read: `# HELP` and `# TYPE` lines are comments here, as the histogram's series names
 * (`_bucket`, `_count`) say what they are.
 */

export type Sample = { name: string; labels: Record<string, string>; value: number };

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

const unescapeLabelValue = (value: string) =>
  value.replace(/\\(.)/g, (_escape, character: string) => (character === 'n' ? '\n' : character));

/** `+Inf`, `-Inf`, `NaN` and decimal numbers, as the format writes them; undefined for anything else. */
const readNumber = (text: string) => {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
};

const readLabels = (text: string) => {
  const labels: Record<string, string> = {};
  labelPattern.lastIndex = 0;
  while (labelPattern.lastIndex < text.length) {
    const match = labelPattern.exec(text);
    if (!match?.[1] || match[2] === undefined) return undefined;
    labels[match[1]] = unescapeLabelValue(match[2]);
  }
  return labels;
};

/** The samples of an exposition, in order; a line that is not a well-formed sample is skipped. */
export const parseExposition = ({ text }: { text: string }): Sample[] => {
  const samples: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = samplePattern.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const labels = readLabels(match[2] ?? '');
    const value = readNumber(match[3]);
    if (!labels || value === undefined) continue;
    samples.push({ name: match[1], labels, value });
  }
  return samples;
};
