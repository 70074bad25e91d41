export { createFaultyRunner, runIn } from './kernel-tools.js';
export { isRoot, requireNamespaceTests } from './namespace-guard.js';
export { type KernelSnapshot, snapshotKernel } from './snapshot.js';
export { ping, request, startServer } from './traffic.js';
