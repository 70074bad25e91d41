import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isNodeBuiltin, listModuleGraph } from './testing/module-graph.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const exportsMap = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string>;
  }
).exports;

/** The entries a browser bundle may import: schemas, types and address maths, nothing that runs commands. */
const pureEntries = ['./schemas', './addressing'];

describe('the pure entry points of @kudo/netcore', () => {
  it.each(pureEntries)('%s reaches neither execa nor any Node built-in', (name) => {
    const target = exportsMap[name];
    expect(target, `package.json exports ${name}`).toBeDefined();
    const { files, externals } = listModuleGraph({ entry: join(packageRoot, target ?? '') });
    expect(files.length).toBeGreaterThan(0);
    expect(externals.filter((specifier) => specifier === 'execa' || isNodeBuiltin(specifier))).toEqual([]);
    expect(files.filter((file) => /\/kernel\//.test(file))).toEqual([]);
  });

  it('the scan sees what the main entry pulls in (the check above can fail)', () => {
    const { externals } = listModuleGraph({ entry: join(packageRoot, exportsMap['.'] ?? '') });
    expect(externals).toContain('execa');
    expect(externals).toContain('node:child_process');
  });
});
