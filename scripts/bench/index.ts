/**
 * `npm run bench`: netcore against the reference CNI plugins and a naive one-process-per-step sequence,
 * all inside a lab of network namespaces made for this run and removed at the end (also on Ctrl-C).
 * Nothing touches the machine's own namespace. Writes docs/benchmarks.md (a temp file with --quick) and
 * prints it; exits non-zero when a correctness check fails.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, createLabPrefix } from '@kudo/netcore/lab';
import { type BenchRun, runBench } from './bench-run.js';
import { guardLab } from './lab-guard.js';
import { describeMachine, readLoad } from './machine.js';
import { docsPath, parseOptions } from './options.js';
import { renderReport } from './report/render-report.js';
import { createCniContainerdSection } from './suites/cni-containerd-section.js';
import { runControlPlaneSection } from './suites/control-plane-section.js';

const options = parseOptions(process.argv.slice(2));
if (process.getuid?.() !== 0) {
  console.error(
    'npm run bench needs root: it creates network namespaces, bridges and iptables rules in a lab.',
  );
  process.exit(1);
}

const prefix = createLabPrefix({ base: 'kudo-bench' });
const ipamDirectory = await mkdtemp(join(tmpdir(), 'kudo-bench-ipam-'));
const guard = guardLab({ prefix, ipamDirectory });

const machine = await describeMachine();
const runs: BenchRun[] = [];
const controlPlane = await runControlPlaneSection({
  options,
  labPrefix: prefix,
  isStopping: guard.isStopping,
});
const containerd = createCniContainerdSection({ options, labPrefix: prefix, isStopping: guard.isStopping });
try {
  console.log(`[bench] lab ${prefix} (${options.isQuick ? 'quick' : `${options.runs} runs`})`);
  const lab = await createLab({ prefix, nodeCount: 4 });
  for (let run = 1; run <= options.runs; run += 1) {
    console.log(`[bench] run ${run}/${options.runs}`);
    runs.push(await runBench({ lab, options, ipamDirectory, isStopping: guard.isStopping }));
    await controlPlane.run({ peerNode: lab.nodes[0] });
    await containerd.run({ node: lab.nodes[1] });
  }
} finally {
  await guard.remove();
}

const remaining = guard.listRemaining();
const previous = await readFile(docsPath, 'utf8').catch(() => '');
const markdown = `${renderReport({
  machine,
  options,
  runs,
  previous,
  remainingNamespaces: remaining,
  loadAtEnd: readLoad(),
})}\n${controlPlane.render()}\n${containerd.render()}`;
await writeFile(options.outputPath, markdown);
console.log(`\n${markdown}`);
console.log(`[bench] written to ${options.outputPath}`);

const failed = [...runs.flatMap((run) => run.checks), ...controlPlane.checks, ...containerd.checks].filter(
  (check) => !check.isOk,
);
if (remaining.length > 0 || failed.length > 0) {
  for (const check of failed)
    console.error(`[bench] FAILED ${check.scope}: ${check.label} (${check.detail})`);
  if (remaining.length > 0) console.error(`[bench] namespaces left behind: ${remaining.join(', ')}`);
  process.exitCode = 1;
}
