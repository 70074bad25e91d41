import { median } from '../measure.js';
import { renderTable } from '../report/markdown.js';
import type { CniContainerdChain, CniContainerdResult } from './cni-containerd.js';

/** The goal of issue 14: Kudo's plugin time (ADD + DEL) at most a fifth of the reference chain's. */
export const goalRatio = 1 / 5;

const formatMs = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');

const title = '## containerd: `ctr run --cni`, Kudo against the reference chain';

/** One chain's medians over the runs (each run's figure is already a median over its containers). */
const medianOverRuns = ({ results, name }: { results: readonly CniContainerdResult[]; name: string }) => {
  const chains = results
    .map((result) => result.chains.find((chain) => chain.name === name))
    .filter((chain): chain is CniContainerdChain => chain !== undefined);
  const pick = (key: 'wallMs' | 'addMs' | 'delMs' | 'pluginMs' | 'versionMs') =>
    median(chains.map((chain) => chain[key]));
  return {
    description: chains[0]?.description ?? name,
    wallMs: pick('wallMs'),
    addMs: pick('addMs'),
    delMs: pick('delMs'),
    pluginMs: pick('pluginMs'),
    versionMs: pick('versionMs'),
  };
};

/** The Markdown section of the containerd suite (after the main report). */
export const renderCniContainerd = ({ results }: { results: readonly CniContainerdResult[] }) => {
  const [first] = results;
  if (!first) return `${title}\n\nNot run (it failed or the run was stopped; see the correctness checks).\n`;
  const kudo = medianOverRuns({ results, name: 'kudo' });
  const reference = medianOverRuns({ results, name: 'reference' });
  const ratio = kudo.pluginMs / reference.pluginMs;
  const agentMs = median(results.map(({ kudoAgentMs }) => kudoAgentMs));
  const verdict = Number.isFinite(ratio)
    ? `Kudo's plugin time is ${(ratio * 100).toFixed(0)} % of the reference chain's (goal: at most ${(goalRatio * 100).toFixed(0)} %): ${ratio <= goalRatio ? 'met' : 'not met'}.`
    : 'No ratio: a chain has no timed container.';
  return [
    title,
    '',
    `A busybox container that only exits (\`ctr run --rm --cni --rootfs DIR ID /bin/true\`), ${first.iterations} times per chain and run after one warm-up, the two chains alternating on lab node ${first.node} in one containerd session (Debian's containerd 1.6 inside the node's namespace, tmpfs CNI paths: \`@kudo/cni/testing\`). Start-to-exit is ctr's wall time (nsenter, ctr, containerd, runc and the plugins); plugin time is what the chain's plugins took, read by bash timing shims in the CNI bin directory just around each plugin's exec (\`$EPOCHREALTIME\`, no process of its own; host-local runs inside bridge's time). The last column is one exec of the chain's first plugin (kudo, bridge) with \`CNI_COMMAND=VERSION\`: the cost of starting and ending its process, no work and no agent; ADD and DEL each pay it once per plugin of the chain. Medians over the containers, then over ${results.length} run(s).`,
    '',
    renderTable({
      headers: [
        'chain',
        'start-to-exit (ms)',
        'plugin ADD (ms)',
        'plugin DEL (ms)',
        'plugin ADD + DEL (ms)',
        'one VERSION exec (ms)',
      ],
      rows: [kudo, reference].map((chain) => [
        chain.description,
        formatMs(chain.wallMs),
        formatMs(chain.addMs),
        formatMs(chain.delMs),
        formatMs(chain.pluginMs),
        formatMs(chain.versionMs),
      ]),
    }),
    '',
    verdict,
    `The same ADD and DEL through the plugin's own client from a running process take ${formatMs(agentMs)} ms (into a namespace known as \`/proc/PID/ns/net\`, as ctr's are): the agent's work without the forwarder's two execs (its process start, see the VERSION column, and the request over the agent's unix socket), but also without the process the forwarder lends for ADD inside the container's namespace (it does the container side over rtnetlink), so that ADD starts an \`ip\` of its own through \`nsenter\`.`,
    '',
  ].join('\n');
};
