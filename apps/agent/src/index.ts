export { cniExecPath, readExecEnvironment } from './cni/cni-exec.js';
export type { CniSocketRouter } from './cni/cni-socket-router.js';
export { AgentError, type AgentErrorCode, agentErrorCodes } from './errors.js';
export { createAgentLogger } from './logger.js';
export { type AgentRouter, agentRouter } from './router.js';
export type { AgentEvent } from './services/event-log.js';
export type { Health } from './services/health.js';
export { type Agent, defaultListenHost, type StartAgentOptions, startAgent } from './start-agent.js';
export { type AgentContext, type AgentServices, createCallerFactory, createInnerContext } from './trpc.js';
