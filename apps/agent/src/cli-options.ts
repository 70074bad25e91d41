import { parseArgs } from 'node:util';
import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { isLoopbackAddress } from './auth.js';
import type { AgentEnv } from './env.js';
import { AgentError } from './errors.js';
import {
  type JoinOptions,
  joinUsage,
  parseJoinOptions,
  parseRunOptions,
  type RunOptions,
  runUsage,
} from './join/join-options.js';
import { defaultBootIdFile } from './services/health.js';
import { defaultListenHost, defaultOperationTimeoutMs } from './start-agent.js';

export const usage = `Usage: kudo-agent join --server URL --token TOKEN --ca-hash sha256:HEX [options]   join a cluster, then serve
       kudo-agent run [--config-dir /etc/kudo]                                  serve again from what join saved
       kudo-agent [serve] --node-id ID --port PORT --token-file FILE [options]    plain HTTP on loopback (lab, development)

  kudo-agent join --help and kudo-agent run --help describe their options. The serve form:

  --node-id ID               this node's id (as the control plane knows it)
  --port PORT                TCP port to listen on (0 picks a free one)
  --token-file FILE          file holding the bearer token (or KUDO_AGENT_TOKEN_FILE / KUDO_AGENT_TOKEN)
  --listen ADDRESS           address to listen on (default ${defaultListenHost})
  --host-namespace NAME      act inside this network namespace (a lab node) instead of the agent's own
  --insecure                 start without a token; only allowed when listening on loopback
  --cni-socket PATH          serve the kudo CNI plugin on this unix socket (mode 0600), e.g. /run/kudo/agent.sock
  --cni-state-file FILE      where the CNI range and attachments are kept (default: in memory)
  --boot-id-file FILE        where the boot id is read (default ${defaultBootIdFile})
  --operation-timeout-ms MS  time one operation may take before its caller gets TIMEOUT (default ${defaultOperationTimeoutMs})
  --help                     print this help`;

/** Where the token comes from: never the command line, which every user of the machine can read. */
export type TokenSource =
  | { kind: 'file'; path: string }
  | { kind: 'value'; value: string }
  | { kind: 'none' };

export type CliOptions = {
  nodeId: string;
  port: number;
  listen: string;
  hostNamespace: string | undefined;
  insecure: boolean;
  bootIdFile: string;
  operationTimeoutMs: number;
  tokenSource: TokenSource;
  cniSocket?: string;
  cniStateFile?: string;
};

const ZCliValues = z.object({
  'node-id': ZId,
  port: z.coerce.number().int('must be an integer').min(0, 'must be 0-65535').max(65535, 'must be 0-65535'),
  listen: z.string().min(1).default(defaultListenHost),
  'host-namespace': z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'must be a network namespace name')
    .optional(),
  insecure: z.boolean().default(false),
  'boot-id-file': z.string().min(1).default(defaultBootIdFile),
  'operation-timeout-ms': z.coerce
    .number()
    .int('must be an integer')
    .positive('must be positive')
    .default(defaultOperationTimeoutMs),
  'token-file': z.string().min(1).optional(),
  'cni-socket': z.string().startsWith('/', 'must be an absolute path').optional(),
  'cni-state-file': z.string().startsWith('/', 'must be an absolute path').optional(),
});

const fail = ({ field, reason }: { field?: string; reason: string }) =>
  new AgentError({ code: 'INVALID_OPTION', field: field ? `--${field}` : undefined, reason });

/**
 * Reads the command line (and the token variables of the environment). Pure: it reads no file, so it is
 * unit-tested; refuses a start without a token unless --insecure on loopback.
 * Returns undefined for --help.
 */
export const parseCliOptions = ({
  argv,
  env,
}: {
  argv: readonly string[];
  env: AgentEnv;
}): CliOptions | undefined => {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'node-id': { type: 'string' },
        port: { type: 'string' },
        listen: { type: 'string' },
        'host-namespace': { type: 'string' },
        insecure: { type: 'boolean' },
        'boot-id-file': { type: 'string' },
        'operation-timeout-ms': { type: 'string' },
        'token-file': { type: 'string' },
        'cni-socket': { type: 'string' },
        'cni-state-file': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw fail({ reason: error instanceof Error ? error.message : String(error) });
  }
  if (values.help) return undefined;
  for (const required of ['node-id', 'port'])
    if (values[required] === undefined) throw fail({ field: required, reason: 'is required' });
  const parsed = ZCliValues.safeParse(values);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw fail({ field: issue?.path.join('.'), reason: issue?.message ?? 'invalid' });
  }
  const options = parsed.data;
  const tokenFile = options['token-file'] ?? env.KUDO_AGENT_TOKEN_FILE;
  const tokenSource: TokenSource = tokenFile
    ? { kind: 'file', path: tokenFile }
    : env.KUDO_AGENT_TOKEN
      ? { kind: 'value', value: env.KUDO_AGENT_TOKEN }
      : { kind: 'none' };
  if (tokenSource.kind === 'none' && !options.insecure)
    throw new AgentError({
      code: 'NO_TOKEN',
      field: '--token-file',
      reason:
        'no token configured: give --token-file (or KUDO_AGENT_TOKEN_FILE / KUDO_AGENT_TOKEN), or --insecure on loopback',
    });
  if (tokenSource.kind === 'none' && !isLoopbackAddress(options.listen))
    throw new AgentError({
      code: 'UNSAFE_LISTEN',
      field: '--listen',
      reason: `without a token the agent only listens on loopback, not ${options.listen}`,
    });
  return {
    nodeId: options['node-id'],
    port: options.port,
    listen: options.listen,
    hostNamespace: options['host-namespace'],
    insecure: options.insecure,
    bootIdFile: options['boot-id-file'],
    operationTimeoutMs: options['operation-timeout-ms'],
    tokenSource,
    ...(options['cni-socket'] === undefined ? {} : { cniSocket: options['cni-socket'] }),
    ...(options['cni-state-file'] === undefined ? {} : { cniStateFile: options['cni-state-file'] }),
  };
};

export type Command =
  | { command: 'help'; text: string }
  | { command: 'serve'; options: CliOptions }
  | { command: 'join'; options: JoinOptions }
  | { command: 'run'; options: RunOptions };

/**
 * The command line: `join ...`, `run ...`, or the serve form (`serve ...` or options alone, as the lab
 * and the tests start it). Pure, like parseCliOptions.
 */
export const parseCommand = ({ argv, env }: { argv: readonly string[]; env: AgentEnv }): Command => {
  const [first, ...rest] = argv;
  if (first === 'join') {
    const options = parseJoinOptions({ argv: rest });
    return options ? { command: 'join', options } : { command: 'help', text: joinUsage };
  }
  if (first === 'run') {
    const options = parseRunOptions({ argv: rest });
    return options ? { command: 'run', options } : { command: 'help', text: runUsage };
  }
  const options = parseCliOptions({ argv: first === 'serve' ? rest : argv, env });
  return options ? { command: 'serve', options } : { command: 'help', text: usage };
};
