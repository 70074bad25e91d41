/**
 * Who owns an instance, in words the API's refusals and the dashboard's disabled buttons share. Pure and
 * import-free: the browser bundle imports it too.
 */

export type SourcedInstance = { nodeId: string; source: string; runtime: string | null };

/** What the user does instead of changing an instance a container runtime owns. */
export const runtimeOwnedRemedies = {
  delete: 'stop the container to remove it',
  ports: "its port mappings are the runtime's portMappings, set when the container starts",
} as const;

/** The runtime that owns the instance (`containerd on node1`), or undefined when the control plane does. */
export const findRuntimeOwner = ({ nodeId, source, runtime }: SourcedInstance) =>
  source === 'cni' ? `${runtime ?? 'a container runtime'} on ${nodeId}` : undefined;
