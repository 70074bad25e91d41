import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The busybox applets the containers of the tests and the bench call. */
const applets = ['sh', 'ip', 'nc', 'sleep', 'echo', 'true', 'cat'];

/**
 * A root filesystem for `ctr run --rootfs`: Debian's busybox-static and its applets, nothing pulled from a
 * registry. Returns its path.
 */
export const makeBusyboxRootfs = async ({ directory }: { directory: string }) => {
  const rootfs = join(directory, 'rootfs');
  for (const sub of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc'])
    await mkdir(join(rootfs, sub), { recursive: true });
  await copyFile('/usr/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const applet of applets) await symlink('busybox', join(rootfs, 'bin', applet));
  return rootfs;
};
