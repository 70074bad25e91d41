import { AgentTransportError, type AgentTransportErrorKind } from '@kudo/agent/client';
import type { DriftItem, NetcoreError, NodeSnapshot } from '@kudo/netcore';
import { createKeyAndCertificateRequest, readCertificate } from '@kudo/pki';
import type {
  AgentCniAttachment,
  AgentConnection,
  AgentGateway,
  AgentOutputsOf,
} from '../agents/agent-gateway.js';
import { createFakeEventLog, type FakeEventLog, followFakeEvents } from './fake-agent-events.js';
import { renderFakeAgentMetrics } from './fake-agent-metrics.js';

type FakeAgent = {
  nodeId: string;
  token: string;
  bootId: string;
  isDown: boolean;
  drift: DriftItem[];
  /** Errors the next calls of an operation throw, in order (each only for the inputs it matches). */
  failures: Map<string, { error: NetcoreError; matches: (input: unknown) => boolean }[]>;
  /** Its event stream: every mutation's started and finished/failed event. */
  events: FakeEventLog;
  /** The CNI range the control plane delegated, and the containers attached from it. */
  cni: { range: AgentOutputsOf<'setCniRange'>['range'] | null; attachments: AgentCniAttachment[] };
};

/** Calls that leave no operation of their own on the agent's event stream (as the real agent's). */
const queries = new Set([
  'health',
  'inspect',
  'diff',
  'orphans',
  'cni.setRange',
  'cni.listAttachments',
  'cni.removeStale',
  'metrics',
]);

/** A call that does not get through, as the real gateway reports it. */
const refuse = ({ url, kind }: { url: string; kind: AgentTransportErrorKind }) =>
  new AgentTransportError({
    kind,
    url,
    reason:
      kind === 'unauthorised'
        ? `the agent at ${url} refused the token`
        : `no answer from the agent at ${url}`,
  });

export type RecordedCall = { url: string; operation: string; input: unknown };

/**
 * Agents in memory, for unit tests of the services: every call is recorded, an agent can be down (its calls
 * fail as the real gateway's do: AgentTransportError), and the next call of an operation can be made to
 * fail with a given netcore error (what an agent answers when netcore refuses or fails).
 */
export const createFakeAgentGateway = () => {
  const agents = new Map<string, FakeAgent>();
  const calls: RecordedCall[] = [];
  const getAgent = (url: string) => {
    const agent = agents.get(url);
    if (!agent) throw new Error(`no fake agent at ${url}`);
    return agent;
  };

  /** A DEL through the agent: `cniDel` runs and the agent forgets the attachment. */
  const detach = ({ url, instanceId }: { url: string; instanceId: string }) => {
    const agent = getAgent(url);
    const attachment = agent.cni.attachments.find((known) => known.instanceId === instanceId);
    if (!attachment) throw new Error(`no fake attachment ${instanceId}`);
    const { containerId, ifName, networkName } = attachment;
    agent.events.start({
      nodeId: agent.nodeId,
      operation: 'cniDel',
      input: { containerId, ifName, networkName, instanceId, nodeId: agent.nodeId },
    })({});
    agent.cni.attachments = agent.cni.attachments.filter((known) => known !== attachment);
  };

  const connect = ({ url, token }: { url: string; token: string }): AgentConnection => {
    const call = async <T>(operation: string, input: unknown, answer: () => T): Promise<T> => {
      calls.push({ url, operation, input });
      const agent = agents.get(url);
      if (!agent || agent.isDown) throw refuse({ url, kind: 'unreachable' });
      if (agent.token !== token) throw refuse({ url, kind: 'unauthorised' });
      const queue = agent.failures.get(operation) ?? [];
      const index = queue.findIndex((failure) => failure.matches(input));
      const [failure] = index === -1 ? [] : queue.splice(index, 1);
      if (queries.has(operation)) {
        if (failure) throw failure.error;
        return answer();
      }
      const end = agent.events.start({ nodeId: agent.nodeId, operation, input });
      if (failure) {
        end({ error: failure.error });
        throw failure.error;
      }
      end({});
      return answer();
    };
    const done = () => undefined;
    return {
      health: () =>
        call('health', undefined, () => {
          const agent = getAgent(url);
          return {
            agentVersion: '0.0.0-fake',
            apiVersion: 1,
            nodeId: agent.nodeId,
            hostNamespace: null,
            kernel: 'fake',
            bootId: agent.bootId,
            uptimeSeconds: 1,
            systemUptimeSeconds: 1,
            tools: { iproute2: true, iptables: true, conntrack: true },
            certificate: null,
          };
        }),
      setupNode: (input) => call('setupNode', input, () => ({ interfaceName: 'kudobfake' })),
      setupIptables: (input) => call('setupIptables', input, done),
      addOtherNodes: (input) => call('addOtherNodes', input, done),
      newNodeInCluster: (input) => call('newNodeInCluster', input, done),
      deleteNodeInCluster: (input) => call('deleteNodeInCluster', input, done),
      cleanNode: (input) => call('cleanNode', input, done),
      setupInstance: (input) =>
        call('setupInstance', input, () => ({
          interfaceName: 'eth0',
          hostInterfaceName: `kudov-${input.instanceId}`,
          namespaceName: `fake-i-${input.instanceId}`,
        })),
      setupInstances: (input) =>
        call('setupInstances', input, () => ({
          created: input.instances.length,
          repaired: 0,
          namespaces: input.instances.map(({ instanceId }) => ({
            instanceId,
            namespaceName: `fake-i-${instanceId}`,
          })),
        })),
      cleanInstance: (input) => call('cleanInstance', input, done),
      setPortMappings: (input) =>
        call('setPortMappings', input, () => ({ added: input.ports.length, removed: 0 })),
      inspect: (input) => call('inspect', input, () => ({}) as NodeSnapshot),
      diff: (input) =>
        call('diff', input, () => {
          const { drift } = getAgent(url);
          return { hasDrift: drift.length > 0, drift, actual: {} as NodeSnapshot };
        }),
      orphans: (input) => call('orphans', input, () => ({ dryRun: true as const, orphans: [] })),
      cleanOrphans: (input) => call('cleanOrphans', input, () => ({ dryRun: false as const, orphans: [] })),
      // A fake agent has no key: its request is made here, as a real agent would make it.
      createCredentialsRequest: async () => {
        const { csrPem } = await createKeyAndCertificateRequest({ commonName: getAgent(url).nodeId });
        return call('credentials.createRequest', {}, () => ({ csrPem }));
      },
      installCredentials: (input) =>
        call('credentials.install', input, () => {
          const { serialNumber, notAfter } = readCertificate(input);
          return { serialNumber, notAfter: notAfter.toISOString() };
        }),
      setCniRange: (input) =>
        call('cni.setRange', input, () => {
          getAgent(url).cni.range = input;
          return { range: input };
        }),
      listCniAttachments: () => call('cni.listAttachments', undefined, () => ({ ...getAgent(url).cni })),
      removeStaleCniAttachments: () =>
        call('cni.removeStale', undefined, () => {
          const stale = getAgent(url).cni.attachments.filter(({ isNetnsPresent }) => !isNetnsPresent);
          for (const { instanceId } of stale) detach({ url, instanceId });
          return { removed: stale.map(({ instanceId }) => instanceId) };
        }),
      readMetrics: () =>
        call('metrics', undefined, () =>
          renderFakeAgentMetrics({
            nodeId: getAgent(url).nodeId,
            operations: calls
              .filter((recorded) => recorded.url === url && recorded.operation !== 'metrics')
              .map(({ operation }) => ({ operation, isError: false })),
          }),
        ),
      followEvents: async function* (request) {
        const agent = agents.get(url);
        if (!agent || agent.isDown) throw refuse({ url, kind: 'unreachable' });
        if (agent.token !== token) throw refuse({ url, kind: 'unauthorised' });
        yield* followFakeEvents({ log: agent.events, request });
      },
    };
  };

  const gateway: AgentGateway = { connect };
  return {
    gateway,
    calls,
    /** Starts a fake agent for a node; returns its URL. */
    addAgent: ({ nodeId, token = `token-${nodeId}` }: { nodeId: string; token?: string }) => {
      const url = `http://fake-agent.invalid/${nodeId}`;
      agents.set(url, {
        nodeId,
        token,
        bootId: 'boot-1',
        isDown: false,
        drift: [],
        failures: new Map(),
        events: createFakeEventLog(),
        cni: { range: null, attachments: [] },
      });
      return { url, token };
    },
    /** A down agent answers nothing: its event streams break too. */
    setDown: ({ url, isDown }: { url: string; isDown: boolean }) => {
      getAgent(url).isDown = isDown;
      if (isDown) getAgent(url).events.dropStreams();
    },
    /** The agent's event log, to start operations by hand, break its streams or restart it. */
    eventsOf: ({ url }: { url: string }) => getAgent(url).events,
    reboot: ({ url, bootId }: { url: string; bootId: string }) => {
      getAgent(url).bootId = bootId;
    },
    setDrift: ({ url, drift }: { url: string; drift: DriftItem[] }) => {
      getAgent(url).drift = drift;
    },
    failNext: ({
      url,
      operation,
      error,
      matches = () => true,
    }: {
      url: string;
      operation: string;
      error: NetcoreError;
      matches?: (input: unknown) => boolean;
    }) => {
      const agent = getAgent(url);
      agent.failures.set(operation, [...(agent.failures.get(operation) ?? []), { error, matches }]);
    },
    /**
     * A container runtime attaches a container through the agent's CNI socket: the agent records it and
     * runs `cniAdd` (its started event carries the attachment, as the real agent's does).
     */
    attachContainer: ({ url, attachment }: { url: string; attachment: AgentCniAttachment }) => {
      const agent = getAgent(url);
      agent.cni.attachments.push(attachment);
      const { isNetnsPresent: _present, ...input } = attachment;
      agent.events.start({
        nodeId: agent.nodeId,
        operation: 'cniAdd',
        input: { ...input, nodeId: agent.nodeId },
      })({});
    },
    /** The runtime's DEL: `cniDel` runs and the agent forgets the attachment. */
    detachContainer: detach,
    /** What the agent lists as attached, changed without events (what a missed stream would hide). */
    setCniAttachments: ({ url, attachments }: { url: string; attachments: AgentCniAttachment[] }) => {
      getAgent(url).cni.attachments = attachments;
    },
    /** The range an agent was delegated, if any. */
    readCniRange: ({ url }: { url: string }) => getAgent(url).cni.range,
    /** The calls an agent received, by operation name. */
    callsTo: ({ url, operation }: { url: string; operation?: string }) =>
      calls.filter((call) => call.url === url && (!operation || call.operation === operation)),
  };
};

export type FakeAgentGateway = ReturnType<typeof createFakeAgentGateway>;
