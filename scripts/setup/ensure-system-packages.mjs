// Installs the Debian packages a command needs, from the one list in system-packages.json.
// Plain Node on purpose: it runs before anything from node_modules exists (and before `npm ci` in CI).
//   node scripts/setup/ensure-system-packages.mjs --for test
// As root it installs what is missing with apt-get; otherwise it says what is missing and how to get it.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const purposes = ['start', 'test', 'bench', 'lab'];

/** The packages of the list that `purpose` needs. */
export const readSystemPackages = ({ purpose }) => {
  const list = JSON.parse(readFileSync(join(import.meta.dirname, 'system-packages.json'), 'utf8'));
  return list.packages.filter((entry) => entry.for.includes(purpose));
};

const isInstalled = (name) => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
};

const apt = (args) =>
  execFileSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });

/** Installs what `purpose` needs and is missing; exits with a message when it cannot. */
export const ensureSystemPackages = ({ purpose }) => {
  if (!purposes.includes(purpose))
    throw new Error(`unknown purpose "${purpose}" (one of ${purposes.join(', ')})`);
  const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
  if (!hasDpkg) {
    console.warn(
      `[kudo] no dpkg here: make sure these Debian packages (or their equivalents) are installed: ${readSystemPackages(
        { purpose },
      )
        .map(({ name }) => name)
        .join(' ')}`,
    );
    return;
  }
  const missing = readSystemPackages({ purpose }).filter(({ name }) => !isInstalled(name));
  if (missing.length === 0) return;
  const names = missing.map(({ name }) => name);
  if (process.getuid?.() !== 0) {
    console.error(
      `[kudo] \`npm ${purpose === 'start' || purpose === 'test' ? purpose : `run ${purpose}`}\` needs Debian packages that are missing:`,
    );
    for (const { name, why } of missing) console.error(`  ${name}: ${why}`);
    console.error(
      `[kudo] install them as root:  sudo apt-get install --no-install-recommends ${names.join(' ')}`,
    );
    console.error('[kudo] (or run this command as root, which installs them itself)');
    process.exit(1);
  }
  console.log(`[kudo] installing Debian packages: ${names.join(' ')}`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...names]);
  const stillMissing = names.filter((name) => !isInstalled(name));
  if (stillMissing.length > 0) {
    console.error(`[kudo] apt-get did not install: ${stillMissing.join(' ')}`);
    process.exit(1);
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const index = process.argv.indexOf('--for');
  const purpose = index === -1 ? undefined : process.argv[index + 1];
  if (!purpose || !purposes.includes(purpose)) {
    console.error(`usage: node scripts/setup/ensure-system-packages.mjs --for ${purposes.join('|')}`);
    process.exit(2);
  }
  ensureSystemPackages({ purpose });
}
