import { readFile } from 'node:fs/promises';

/**
 * The `curl` commands of the README's first `sh` block that contains `marker`, each as one line (a line
 * ending in `\` continues on the next), in order; comments and `export` lines (the reader's settings) left
 * out. A test runs them as written, so the README cannot drift from the API.
 */
export const readCurlCommands = async ({ file, marker }: { file: string; marker: string }) => {
  const text = await readFile(file, 'utf8');
  const block = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .find((candidate) => candidate.includes(marker));
  if (!block) throw new Error(`${file} has no sh block with ${marker}`);
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
};
