import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netcore } from '@kudo/netcore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operations } from '../services/operations.js';
import { createCniService } from './cni-service.js';
import { createCniStore } from './cni-store.js';

/**
 * The CNI service's record of attachments against its state file, with the kernel work stood in for (the
 * namespace tests run it for real): what reaches the file before an answer, and what a failed write does.
 */
describe('CNI attachments and the state file', () => {
  let directory = '';
  /** The state file sits in `parent`: a plain file put there instead makes every write fail. */
  let parent = '';
  let file = '';

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-cni-service-test-'));
    parent = join(directory, 'state');
    file = join(parent, 'cni-state.json');
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const createService = () => {
    const netcore = {
      setupInstance: async () => ({ hostInterfaceName: 'kudov0' }),
      cleanInstance: async () => undefined,
    } as unknown as Netcore;
    const operations = {
      runMutation: ({ work }: { work: () => Promise<unknown> }) => work(),
    } as unknown as Operations;
    return createCniService({ nodeId: 'node1', netcore, operations, store: createCniStore({ file }) });
  };
  const key = { containerId: 'c1', ifName: 'eth0', networkName: 'kudo' };
  const readAttachments = async () =>
    (JSON.parse(await readFile(file, 'utf8')) as { attachments: { containerId: string }[] }).attachments;
  const breakWrites = async () => {
    await rm(parent, { recursive: true, force: true });
    await writeFile(parent, 'not a directory');
  };

  it('has the address in the file when ADD answers, and an ADD whose write fails is refused and forgotten', async () => {
    const cni = createService();
    await cni.setRange({ nodeIpCidr: '10.0.1.1/24', rangeCidr: '10.0.1.128/25' });
    const made = await cni.add({ ...key, netnsPath: '/proc/1/ns/net', portMappings: [], runtime: 'test' });
    expect(await readAttachments()).toMatchObject([
      { containerId: 'c1', instanceIpCidr: made.instanceIpCidr },
    ]);
    await breakWrites();
    await expect(
      cni.add({ ...key, containerId: 'c2', netnsPath: '/proc/1/ns/net', portMappings: [], runtime: 'test' }),
    ).rejects.toThrow('ENOTDIR');
    expect((await cni.listAttachments()).attachments.map(({ containerId }) => containerId)).toEqual(['c1']);
  });

  it('answers a DEL whose write fails, and the next write leaves the record out of the file', async () => {
    const cni = createService();
    await cni.setRange({ nodeIpCidr: '10.0.1.1/24', rangeCidr: '10.0.1.128/25' });
    await cni.add({ ...key, netnsPath: '/proc/1/ns/net', portMappings: [], runtime: 'test' });
    await breakWrites();
    await expect(cni.del(key)).resolves.toMatchObject({ instanceId: expect.stringMatching(/^cni-c1-/) });
    expect((await cni.listAttachments()).attachments).toEqual([]);
    await rm(parent);
    await mkdir(parent);
    await cni.setRange({ nodeIpCidr: '10.0.1.1/24', rangeCidr: '10.0.1.128/25' });
    expect(await readAttachments()).toEqual([]);
  });
});
