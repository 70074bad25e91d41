/**
 * Bundles the plugin into dist/kudo: one executable file (`#!/usr/bin/env node`, mode 0755) to copy into a
 * CNI bin directory (/opt/cni/bin/kudo). Everything is inlined; only Node's built-ins are imported.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

/** `node build.mjs [OUTFILE]`: the tests bundle into a directory of their own. */
const [outfile = new URL('dist/kudo', import.meta.url).pathname] = process.argv.slice(2);

await build({
  entryPoints: [new URL('src/main.ts', import.meta.url).pathname],
  outfile: resolve(outfile),
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS: an extensionless file outside any package is loaded as CommonJS by Node.
  format: 'cjs',
  legalComments: 'eof',
  minify: true,
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
await chmod(resolve(outfile), 0o755);
// Beside it, so that Node reads it as CommonJS here too (this workspace is `type: module`); copied alone
// into a CNI bin directory it is CommonJS by default.
await writeFile(join(dirname(resolve(outfile)), 'package.json'), '{ "type": "commonjs" }\n');
