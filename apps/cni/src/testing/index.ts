/** `@kudo/cni/testing`: containerd in a lab node with a busybox root filesystem (the tests and the bench). */
export { makeBusyboxRootfs } from './busybox-rootfs.js';
export { type ContainerdSession, startContainerdSession } from './containerd-session.js';
