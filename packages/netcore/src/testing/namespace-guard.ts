/** Namespace tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create and enter namespaces). */
export const isRoot = () => process.getuid?.() === 0;

/**
 * Called once before the namespace tests. Without root they are skipped with a clear reason, except in CI,
 * where a skip would hide a failure: there it is an error.
 */
export const requireNamespaceTests = ({ isCi = Boolean(process.env.CI) }: { isCi?: boolean } = {}) => {
  if (isRoot()) return true;
  const reason =
    'namespace tests need root: they create network namespaces, bridges and iptables rules (run `sudo npm test`).';
  if (isCi) throw new Error(`${reason} CI must run them, so this run fails.`);
  console.warn(`[kudo] SKIPPING namespace tests: ${reason}`);
  return false;
};
