/**
 * Makes the packaged control plane, dist/kudo-control-plane/, after `next build` (the `build` script runs
 * both): a directory an admin copies to /opt/kudo/control-plane and runs with plain `node` 20+, with no
 * checkout and no npm install. It holds
 *   kudo-control-plane.mjs  the launcher (src/launcher/main.ts bundled by esbuild, pg with it; better-sqlite3
 *                           stays outside)
 *   apps/web/server.js      Next.js's standalone server, its .next/ (with static/) and public/
 *   node_modules/           what the server and the launcher need, as Next's file tracing found it
 *                           (better-sqlite3 with its native binding, the Prisma runtime, next, react, ...)
 *   migrations/             a copy of prisma/migrations (SQLite), applied at start
 *   postgresql/migrations/  a copy of prisma/postgresql/migrations, applied at start on PostgreSQL
 *   package.json            name, version, ESM
 * `node package-control-plane.mjs [OUTDIR]`. Native modules are built for this machine's platform and Node ABI:
 * build on the kind of machine you deploy to (Linux x64, Node 20+ of the same major version).
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const webDir = import.meta.dirname;
const root = resolve(webDir, '..', '..');
const [outDir = join(webDir, 'dist', 'kudo-control-plane')] = process.argv.slice(2);
const out = resolve(outDir);
const standalone = join(webDir, '.next', 'standalone');

if (!existsSync(join(standalone, 'apps', 'web', 'server.js')))
  throw new Error(`${standalone} has no apps/web/server.js: run \`next build --webpack\` in apps/web first`);

// Assembled beside the target and renamed at the end: a half-made package never sits at OUTDIR.
const work = `${out}.${process.pid}.tmp`;
rmSync(work, { recursive: true, force: true });
const copy = (from, to) => cpSync(from, join(work, to), { recursive: true, verbatimSymlinks: true });
copy(standalone, '.');
// `next build` leaves the browser assets and public files to the deployer.
copy(join(webDir, '.next', 'static'), join('apps', 'web', '.next', 'static'));
if (existsSync(join(webDir, 'public'))) copy(join(webDir, 'public'), join('apps', 'web', 'public'));
copy(join(root, 'prisma', 'migrations'), 'migrations');
copy(join(root, 'prisma', 'postgresql', 'migrations'), join('postgresql', 'migrations'));

const { version } = JSON.parse(readFileSync(join(webDir, 'package.json'), 'utf8'));
writeFileSync(
  join(work, 'package.json'),
  `${JSON.stringify({ name: 'kudo-control-plane', version, private: true, type: 'module' }, null, 2)}\n`,
);

await build({
  entryPoints: [join(webDir, 'src', 'launcher', 'main.ts')],
  outfile: join(work, 'kudo-control-plane.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Native: loaded from the package's node_modules, where the standalone output put it.
  // pg-native: pg's optional native binding, loaded only if asked for (never: we use pg's JavaScript client).
  external: ['better-sqlite3', 'pg-native'],
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
if (!existsSync(join(work, 'node_modules', 'better-sqlite3')))
  throw new Error('the standalone output has no node_modules/better-sqlite3: check serverExternalPackages');

rmSync(out, { recursive: true, force: true });
renameSync(work, out);
console.log(`packaged control plane: ${out}`);
