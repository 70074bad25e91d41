import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The plugin's own build (what `npm run build -w @kudo/cni` runs). */
export const kudoBuildScript = new URL('../../build.mjs', import.meta.url).pathname;

/** Compiles the native kudo plugin into `outfile`, as `npm run build` does into dist/kudo. */
export const buildKudoPlugin = async ({ outfile }: { outfile: string }) => {
  await run(process.execPath, [kudoBuildScript, outfile]);
  return outfile;
};
