/**
 * `npm run bench`: netcore against the reference CNI plugins and a naive one-process-per-step sequence,
 * all inside a lab of network namespaces made for this run and removed at the end (also on Ctrl-C).
 * Nothing touches the machine's own namespace. Writes docs/benchmarks.md (a temp file with --quick) and
 * prints it; exits non-zero when a correctness check fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, createLabPrefix, destroyLab, listNamespaces } from '@kudo/netcore/lab';
import { type BenchRun, runBench } from './bench-run.js';
import { ensureCniPlugins } from './ensure-cni-plugins.js';
import { describeMachine, readLoad } from './machine.js';
import { docsPath, parseOptions } from './options.js';
import { renderReport } from './report/render-report.js';

const options = parseOptions(process.argv.slice(2));
if (process.getuid?.() !== 0) {
  console.error(
    'npm run bench needs root: it creates network namespaces, bridges and iptables rules in a lab.',
  );
  process.exit(1);
}
ensureCniPlugins();

const prefix = createLabPrefix({ base: 'kudo-bench' });
const ipamDirectory = await mkdtemp(join(tmpdir(), 'kudo-bench-ipam-'));
let isCleaned = false;
const clean = async () => {
  if (isCleaned) return;
  isCleaned = true;
  await destroyLab({ prefix });
  await rm(ipamDirectory, { recursive: true, force: true });
};
// Last resort: if the process ends with the lab still there (a crash, or work that can never finish),
// remove its namespaces synchronously, by exact name.
process.on('exit', () => {
  if (isCleaned) return;
  for (const namespace of readdirSync('/run/netns').filter((name) => name.startsWith(`${prefix}-`)))
    spawnSync('ip', ['netns', 'del', namespace]);
  rmSync(ipamDirectory, { recursive: true, force: true });
  console.error(`[bench] stopped before the end; lab ${prefix} removed`);
  process.exitCode = process.exitCode || 1;
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: removing lab ${prefix}...`);
    void clean().finally(() => process.exit(130));
  });

const machine = await describeMachine();
const runs: BenchRun[] = [];
try {
  console.log(`[bench] lab ${prefix} (${options.isQuick ? 'quick' : `${options.runs} runs`})`);
  const lab = await createLab({ prefix, nodeCount: 4 });
  for (let run = 1; run <= options.runs; run += 1) {
    console.log(`[bench] run ${run}/${options.runs}`);
    runs.push(await runBench({ lab, options, ipamDirectory }));
  }
} finally {
  await clean();
}

const remaining = (await listNamespaces()).filter((name) => name.startsWith(`${prefix}-`));
const previous = await readFile(docsPath, 'utf8').catch(() => '');
const markdown = renderReport({
  machine,
  options,
  runs,
  previous,
  remainingNamespaces: remaining,
  loadAtEnd: readLoad(),
});
await writeFile(options.outputPath, markdown);
console.log(`\n${markdown}`);
console.log(`[bench] written to ${options.outputPath}`);

const failed = runs.flatMap((run) => run.checks).filter((check) => !check.isOk);
if (remaining.length > 0 || failed.length > 0) {
  for (const check of failed)
    console.error(`[bench] FAILED ${check.scope}: ${check.label} (${check.detail})`);
  if (remaining.length > 0) console.error(`[bench] namespaces left behind: ${remaining.join(', ')}`);
  process.exitCode = 1;
}
