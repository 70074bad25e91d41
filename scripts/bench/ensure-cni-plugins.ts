import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cniPluginDirectory } from './methods/cni-plugins.js';

const requiredPlugins = ['bridge', 'host-local', 'portmap'];

/** The reference plugins come from Debian's containernetworking-plugins; installed with apt when missing. */
export const ensureCniPlugins = () => {
  const isPresent = () => requiredPlugins.every((plugin) => existsSync(join(cniPluginDirectory, plugin)));
  if (isPresent()) return;
  console.log('[bench] installing containernetworking-plugins (the reference CNI plugins) with apt-get...');
  const apt = (args: string[]) =>
    spawnSync('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { stdio: 'inherit' });
  if (apt(['install', '-y', 'containernetworking-plugins']).status !== 0) {
    apt(['update', '-qq']);
    apt(['install', '-y', 'containernetworking-plugins']);
  }
  if (!isPresent())
    throw new Error(
      `the CNI plugins (${requiredPlugins.join(', ')}) are still missing from ${cniPluginDirectory}`,
    );
};
