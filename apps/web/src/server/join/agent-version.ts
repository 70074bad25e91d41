/** The agent API version this control plane speaks (the agent's `health.apiVersion`). */
export const supportedAgentApiVersion = 1;

/**
 * Why the control plane will not drive an agent of this API version, or undefined. An agent too old to
 * report one (undefined) speaks the version before the handshake existed.
 */
export const findVersionProblem = ({
  apiVersion,
  agentVersion,
}: {
  apiVersion: number | undefined;
  agentVersion: string;
}) => {
  if (apiVersion === supportedAgentApiVersion) return undefined;
  const spoken = apiVersion === undefined ? 'no API version' : `API version ${apiVersion}`;
  return `the agent ${agentVersion} speaks ${spoken}; this control plane speaks ${supportedAgentApiVersion}: install the agent of the control plane's release`;
};
