import { readFile, stat } from 'node:fs/promises';
import { parseTokenFile } from './auth.js';
import type { TokenSource } from './cli-options.js';
import { AgentError } from './errors.js';

/** Reads the token from its source. A token file others may read is refused: the token would not be secret. */
export const loadToken = async (source: TokenSource) => {
  if (source.kind === 'none') return undefined;
  if (source.kind === 'value') return source.value;
  let content: string;
  try {
    const { mode } = await stat(source.path);
    if ((mode & 0o077) !== 0)
      throw new AgentError({
        code: 'TOKEN_FILE',
        field: '--token-file',
        reason: `${source.path} may be read by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
      });
    content = await readFile(source.path, 'utf8');
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError({
      code: 'TOKEN_FILE',
      field: '--token-file',
      reason: `cannot read ${source.path}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const token = parseTokenFile(content);
  if (!token)
    throw new AgentError({ code: 'TOKEN_FILE', field: '--token-file', reason: `${source.path} is empty` });
  return token;
};
