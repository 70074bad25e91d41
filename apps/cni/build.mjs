/**
 * Compiles the plugin into dist/kudo: one native executable (native/*.c, C99, libc and Linux headers only, mode 0755)
 * to copy into a CNI bin directory (/opt/cni/bin/kudo). Static when the C library allows it (nothing to
 * find at run time), dynamic otherwise. It forwards each exec to the node's agent, which runs the spec.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `node build.mjs [OUTFILE]`: the tests build into a directory of their own. */
const [outfile = new URL('dist/kudo', import.meta.url).pathname] = process.argv.slice(2);
const sources = ['kudo.c', 'container-side.c'].map(
  (name) => new URL(`native/${name}`, import.meta.url).pathname,
);
const target = resolve(outfile);
const flags = ['-std=c99', '-O2', '-Wall', '-Wextra', '-s'];

await mkdir(dirname(target), { recursive: true });
const { stderr } = await run('cc', [...flags, '-static', '-o', target, ...sources]).catch(() =>
  run('cc', [...flags, '-o', target, ...sources]),
);
// The compiler's warnings, if any (an error rejects above, with them in its message).
process.stderr.write(stderr);
