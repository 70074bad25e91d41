/**
 * Bundles the agent into dist/kudo-agent.mjs: one file that runs with plain `node` (20+) on a machine with
 * no checkout and no node_modules. Node's built-ins stay imports; every package is inlined. CommonJS
 * packages (pino, prom-client, ...) call `require` for built-ins, so the banner gives the module one.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';

/** `node build.mjs [OUTFILE]`: the tests bundle into a directory of their own. */
const [outfile = new URL('dist/kudo-agent.mjs', import.meta.url).pathname] = process.argv.slice(2);

await build({
  entryPoints: [new URL('src/main.ts', import.meta.url).pathname],
  outfile: resolve(outfile),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'eof',
  logLevel: 'warning',
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as kudoCreateRequire } from 'node:module';",
      'const require = kudoCreateRequire(import.meta.url);',
    ].join('\n'),
  },
});
