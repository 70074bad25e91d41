import { parseArgs } from 'node:util';
import { ZId } from '@kudo/netcore';
import { caHashPattern, ZIpAddress } from '@kudo/pki';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { defaultBootIdFile } from '../services/health.js';
import {
  defaultConfigDirectory,
  defaultJoinListen,
  ZHttpsUrl,
  ZListen,
  ZNamespacePrefix,
} from './agent-config.js';

export const joinUsage = `Usage: kudo-agent join --server https://CONTROL-PLANE:PORT --token TOKEN --ca-hash sha256:HEX [options]

Joins this machine to a cluster (as root), then serves it. The dashboard's "Add node" prints the command.

  --server URL               the control plane, https://HOST:PORT
  --token TOKEN              the one-time join token (kudo_join_...)
  --ca-hash sha256:HEX       the fingerprint of the cluster CA; the join stops if the control plane shows another
  --node-id ID               this node's id (default: the control plane chooses)
  --listen ADDRESS[:PORT]    where the agent listens (default ${defaultJoinListen})
  --external-address IP      the address the control plane reaches this node on (default: the listen address,
                             else the source address of this machine's route to the control plane)
  --config-dir DIR           where key, certificates and agent.json are saved (default ${defaultConfigDirectory})
  --token-file FILE          also let an admin's scripts in with the bearer token of this file (mode 600)
  --namespace-prefix PREFIX  start of this node's instance namespace names (default kudo); only where
                             several nodes share one /run/netns, as in the lab
  --help                     print this help`;

export const runUsage = `Usage: kudo-agent run [--config-dir DIR]

Serves the node from what join saved (after a reboot, from the systemd unit).

  --config-dir DIR           key, certificates and agent.json (default ${defaultConfigDirectory})
  --boot-id-file FILE        where the boot id is read (default ${defaultBootIdFile})
  --operation-timeout-ms MS  time one operation may take before its caller gets TIMEOUT (default 60000)
  --help                     print this help`;

const fail = ({ field, reason }: { field?: string | undefined; reason: string }) =>
  new AgentError({ code: 'INVALID_OPTION', field: field ? `--${field}` : undefined, reason });

const readValues = ({
  argv,
  options,
}: {
  argv: readonly string[];
  options: Record<string, 'string' | 'boolean'>;
}) => {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(Object.entries(options).map(([name, type]) => [name, { type }])),
    }).values as Record<string, unknown>;
  } catch (error) {
    throw fail({ reason: error instanceof Error ? error.message : String(error) });
  }
};

const parseValues = <Schema extends z.ZodType>({ schema, values }: { schema: Schema; values: unknown }) => {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data as z.output<Schema>;
  const [issue] = parsed.error.issues;
  throw fail({ field: issue?.path.join('.'), reason: issue?.message ?? 'invalid' });
};

const ZJoinValues = z.object({
  server: ZHttpsUrl,
  token: z.string().min(1, 'must not be empty'),
  'ca-hash': z.string().regex(caHashPattern, 'must be sha256: and 64 lowercase hex digits'),
  'node-id': ZId.optional(),
  listen: ZListen.default(ZListen.parse(defaultJoinListen)),
  'external-address': ZIpAddress.optional(),
  'config-dir': z.string().min(1).default(defaultConfigDirectory),
  'token-file': z.string().min(1).optional(),
  'namespace-prefix': ZNamespacePrefix.optional(),
});

/** `join` options; undefined for --help. Pure: unit-tested. */
export const parseJoinOptions = ({ argv }: { argv: readonly string[] }) => {
  const values = readValues({
    argv,
    options: {
      server: 'string',
      token: 'string',
      'ca-hash': 'string',
      'node-id': 'string',
      listen: 'string',
      'external-address': 'string',
      'config-dir': 'string',
      'token-file': 'string',
      'namespace-prefix': 'string',
      help: 'boolean',
    },
  });
  if (values.help) return undefined;
  for (const required of ['server', 'token', 'ca-hash'])
    if (values[required] === undefined) throw fail({ field: required, reason: 'is required' });
  const options = parseValues({ schema: ZJoinValues, values });
  return {
    server: options.server,
    token: options.token,
    caHash: options['ca-hash'],
    nodeId: options['node-id'],
    listen: options.listen,
    externalAddress: options['external-address'],
    configDirectory: options['config-dir'],
    tokenFile: options['token-file'],
    namespacePrefix: options['namespace-prefix'],
  };
};

export type JoinOptions = NonNullable<ReturnType<typeof parseJoinOptions>>;

const ZRunValues = z.object({
  'config-dir': z.string().min(1).default(defaultConfigDirectory),
  'boot-id-file': z.string().min(1).default(defaultBootIdFile),
  'operation-timeout-ms': z.coerce
    .number()
    .int('must be an integer')
    .positive('must be positive')
    .default(60_000),
});

/** `run` options; undefined for --help. */
export const parseRunOptions = ({ argv }: { argv: readonly string[] }) => {
  const values = readValues({
    argv,
    options: {
      'config-dir': 'string',
      'boot-id-file': 'string',
      'operation-timeout-ms': 'string',
      help: 'boolean',
    },
  });
  if (values.help) return undefined;
  const options = parseValues({ schema: ZRunValues, values });
  return {
    configDirectory: options['config-dir'],
    bootIdFile: options['boot-id-file'],
    operationTimeoutMs: options['operation-timeout-ms'],
  };
};

export type RunOptions = NonNullable<ReturnType<typeof parseRunOptions>>;
