import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type TPort, ZHostCidr, ZId, ZInterfaceName, ZPorts } from '@kudo/netcore';
import { z } from 'zod';
import { ZCniRange, ZContainerId } from './cni-schemas.js';

/**
 * What the agent keeps about CNI: the range the control plane delegated and every attachment it made.
 * Persisted as one JSON file (written whole, then renamed, mode 0600) when a file is given, so a restarted
 * agent still knows which addresses it handed out and which containers own them; in memory otherwise.
 * The state in memory is the truth and changes at once (`update`); the file follows: `update` returns
 * the write that covers the change, so a caller can run its kernel work meanwhile and answer once both are
 * done. Writes go one at a time, and changes made while one is under way share the next.
 */
const ZAttachment = z.object({
  containerId: ZContainerId,
  ifName: ZInterfaceName,
  networkName: ZId,
  instanceId: ZId,
  instanceIpCidr: ZHostCidr,
  netnsPath: z.string(),
  runtime: z.string(),
  ports: ZPorts,
  createdAt: z.string(),
});

const ZCniState = z.object({
  range: ZCniRange.optional(),
  attachments: z.array(ZAttachment).default([]),
});

export type Attachment = z.output<typeof ZAttachment> & { ports: TPort[] };
export type CniState = z.output<typeof ZCniState>;

export const createCniStore = ({ file }: { file: string | undefined }) => {
  let state: CniState | undefined;

  const readState = async (): Promise<CniState> => {
    if (file === undefined) return { attachments: [] };
    try {
      return ZCniState.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return { attachments: [] };
    }
  };
  // One read of the file, shared by the calls that come before it ends (a failed read is tried again).
  let loading: Promise<CniState> | undefined;
  const load = async (): Promise<CniState> => {
    if (state) return state;
    loading ??= readState().finally(() => {
      loading = undefined;
    });
    const loaded = await loading;
    state ??= loaded;
    return state;
  };

  let isDirectoryMade = false;
  const writeFileNow = async (path: string) => {
    if (!isDirectoryMade) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    isDirectoryMade = true;
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  };
  let writing: Promise<void> = Promise.resolve();
  let nextWrite: Promise<void> | undefined;
  const persist = () => {
    if (file === undefined) return Promise.resolve();
    if (nextWrite) return nextWrite;
    const write = writing.then(() => {
      nextWrite = undefined;
      return writeFileNow(file);
    });
    nextWrite = write;
    writing = write.catch(() => undefined);
    return write;
  };

  /** Replaces the state at once; resolves when the file has it (or a later state). */
  const update = (next: CniState) => {
    state = next;
    return persist();
  };

  return { load, update };
};

export type CniStore = ReturnType<typeof createCniStore>;
