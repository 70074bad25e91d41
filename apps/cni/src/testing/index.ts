/**
 * `@kudo/cni/testing`: the plugin's build, containerd in a lab node with a busybox root filesystem, the
 * kudo conflist (the tests and the bench).
 */
export { createCniAgentClient } from './agent-client.js';
export { buildKudoPlugin, kudoBuildScript } from './build-plugin.js';
export { makeBusyboxRootfs } from './busybox-rootfs.js';
export { type ContainerdSession, startContainerdSession } from './containerd-session.js';
export {
  type CniPortMapping,
  callKudoGc,
  renderKudoConflist,
  toCtrContainerId,
  writeKudoConflist,
} from './kudo-conflist.js';
