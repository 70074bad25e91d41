/**
 * `@kudo/agent/testing`: what tests of this package and of its users (the control plane) need to run real
 * agents in a lab: the CLI in its own process, an agent in the test's process, and readers of its output.
 */
export * from './agent-harness.js';
export * from './agent-process.js';
