// What every npm script of ours runs first: the Debian packages its purpose needs (from the one list,
// scripts/setup/system-packages.json), then the npm dependencies when they are missing or older than the
// lockfile. Plain Node on purpose: it runs before anything from node_modules exists.
//   node scripts/ensure-deps.mjs --for start|test|bench|lab
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemPackages } from './setup/ensure-system-packages.mjs';

const root = join(import.meta.dirname, '..');
const index = process.argv.indexOf('--for');
const purpose = index === -1 ? 'lab' : process.argv[index + 1];
ensureSystemPackages({ purpose });

const lockfile = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const isInstalled = existsSync(installed) && statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs;
if (!isInstalled) {
  console.log('[kudo] installing npm dependencies (npm ci)...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
