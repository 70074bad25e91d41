import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** A secret a test run used, by a label that says what it is (the label, never the value, is reported). */
export type UsedSecret = { label: string; value: string };

/** The forms a secret may take in a log line: as it is, URL-encoded (a cookie, a query) and JSON-escaped. */
const spellingsOf = (value: string) => [
  ...new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]),
];

/**
 * Which of `secrets` appear in which of `texts` (a file's name and its content): one `label in file` a
 * finding, none when the logs are clean. A secret shorter than 8 characters would match by chance and is
 * refused, as is an empty list (a check of nothing passes whatever the logs say).
 */
export const findSecretsInTexts = ({
  texts,
  secrets,
}: {
  texts: { file: string; content: string }[];
  secrets: UsedSecret[];
}) => {
  if (secrets.length === 0) throw new Error('no secrets to look for');
  const short = secrets.find(({ value }) => value.length < 8);
  if (short)
    throw new Error(
      `the secret "${short.label}" is too short to look for (${short.value.length} characters)`,
    );
  return texts.flatMap(({ file, content }) =>
    secrets
      .filter(({ value }) => spellingsOf(value).some((spelling) => content.includes(spelling)))
      .map(({ label }) => `${label} in ${file}`),
  );
};

/**
 * Reads the log files of a run (a missing one is an error: the check must see what it claims to check),
 * copies them to `keepIn` when given (the CI artefacts, safe to publish once this check passed, so it is
 * done only then), and throws naming every secret found in them.
 */
export const checkLogsForSecrets = async ({
  files,
  secrets,
  keepIn,
}: {
  files: string[];
  secrets: UsedSecret[];
  keepIn?: string;
}) => {
  const texts = await Promise.all(
    files.map(async (file) => ({ file, content: await readFile(file, 'utf8') })),
  );
  const found = findSecretsInTexts({ texts, secrets });
  if (found.length > 0) throw new Error(`secrets in the logs of this run: ${found.join('; ')}`);
  if (keepIn) {
    await mkdir(keepIn, { recursive: true });
    for (const file of files) await copyFile(file, join(keepIn, basename(file)));
  }
  return { checkedBytes: texts.reduce((sum, { content }) => sum + content.length, 0) };
};
