import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, sum } from '../measure.js';

/**
 * A plugin's own time, measured where the runtime calls it: the plugin in the CNI bin directory is a bash
 * shim that reads the clock (`$EPOCHREALTIME`, no process) just before it runs the real plugin with the
 * same arguments, stdin and stdout, and just after, and appends `NAME COMMAND START END` to a log. Bash's own
 * start is outside the interval; the plugin's exec and everything it runs (host-local under bridge) inside.
 */
const renderShim = ({ name, realFile, logFile }: { name: string; realFile: string; logFile: string }) =>
  `#!/bin/bash
start=$EPOCHREALTIME
${JSON.stringify(realFile)} "$@"
status=$?
end=$EPOCHREALTIME
echo "${name} \${CNI_COMMAND} \${start} \${end}" >> ${JSON.stringify(logFile)}
exit $status
`;

/** Installs `plugins` into `binDirectory`: timed ones as shims over a copy in `realDirectory`, others as is. */
export const installPlugins = async ({
  binDirectory,
  realDirectory,
  logFile,
  plugins,
}: {
  binDirectory: string;
  realDirectory: string;
  logFile: string;
  plugins: readonly { name: string; file: string; isTimed: boolean }[];
}) => {
  await mkdir(realDirectory, { recursive: true });
  for (const { name, file, isTimed } of plugins) {
    if (!isTimed) {
      await copyFile(file, join(binDirectory, name));
      continue;
    }
    const realFile = join(realDirectory, name);
    await copyFile(file, realFile);
    await chmod(realFile, 0o755);
    await writeFile(join(binDirectory, name), renderShim({ name, realFile, logFile }), { mode: 0o755 });
  }
};

export type PluginTimes = { addMs: number; delMs: number };

/** The log's ADD and DEL time summed over the chain's plugins (one container's start and exit). */
export const readPluginTimes = async ({ logFile }: { logFile: string }): Promise<PluginTimes> => {
  const lines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const timesOf = (command: string) =>
    lines
      .map((line) => line.split(' '))
      .filter(([, lineCommand]) => lineCommand === command)
      .map(([, , start = '0', end = '0']) => (Number(end) - Number(start)) * 1000);
  return { addMs: sum(timesOf('ADD')), delMs: sum(timesOf('DEL')) };
};

/** Medians of one chain's iterations. */
export const summarizeTimes = (iterations: readonly (PluginTimes & { wallMs: number })[]) => ({
  wallMs: median(iterations.map(({ wallMs }) => wallMs)),
  addMs: median(iterations.map(({ addMs }) => addMs)),
  delMs: median(iterations.map(({ delMs }) => delMs)),
  pluginMs: median(iterations.map(({ addMs, delMs }) => addMs + delMs)),
});
