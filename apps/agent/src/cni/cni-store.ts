import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type TPort, ZHostCidr, ZId, ZInterfaceName, ZPorts } from '@kudo/netcore';
import { z } from 'zod';
import { ZCniRange, ZContainerId } from './cni-schemas.js';

/**
 * What the agent keeps about CNI: the range the control plane delegated and every attachment it made.
 * Persisted as one JSON file (written whole, then renamed, mode 0600) when a file is given, so a restarted
 * agent still knows which addresses it handed out and which containers own them; in memory otherwise.
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

  const load = async (): Promise<CniState> => {
    if (state) return state;
    if (file === undefined) {
      state = { attachments: [] };
      return state;
    }
    try {
      state = ZCniState.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      state = { attachments: [] };
    }
    return state;
  };

  const save = async (next: CniState) => {
    state = next;
    if (file === undefined) return;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  };

  return { load, save };
};

export type CniStore = ReturnType<typeof createCniStore>;
