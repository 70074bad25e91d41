import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sweepStaleScratchDirectories } from './scratch-directory.js';

const bases: string[] = [];
afterEach(() => {
  for (const base of bases.splice(0)) rmSync(base, { recursive: true, force: true });
});

it('removes only our scratch directories that are older than any command, and nothing else', () => {
  const base = mkdtempSync(join(tmpdir(), 'kudo-sweep-test-'));
  bases.push(base);
  const now = Date.now();
  const make = (name: string, ageMs: number) => {
    mkdirSync(join(base, name));
    writeFileSync(join(base, name, 'input'), 'x');
    const time = (now - ageMs) / 1000;
    utimesSync(join(base, name), time, time);
  };
  make('kudo-exec-old', 3_600_000);
  make('kudo-batches-old', 3_600_000);
  make('kudo-exec-fresh', 1_000);
  make('someone-elses-old', 3_600_000);
  expect(sweepStaleScratchDirectories({ base, now }).sort()).toEqual(['kudo-batches-old', 'kudo-exec-old']);
  expect(readdirSync(base).sort()).toEqual(['kudo-exec-fresh', 'someone-elses-old']);
});
