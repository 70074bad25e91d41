import { describe, expect, it } from 'vitest';
import { parseCliOptions, parseCommand } from './cli-options.js';
import type { AgentEnv } from './env.js';
import { AgentError } from './errors.js';

const env: AgentEnv = { KUDO_AGENT_LOG_LEVEL: 'info' };

const parseError = (argv: string[], environment: AgentEnv = env) => {
  try {
    parseCliOptions({ argv, env: environment });
  } catch (error) {
    if (error instanceof AgentError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('parseCliOptions', () => {
  it('reads the documented command line, with loopback and defaults', () => {
    expect(
      parseCliOptions({
        argv: ['--node-id', 'n1', '--port', '7070', '--token-file', '/etc/kudo/token'],
        env,
      }),
    ).toEqual({
      nodeId: 'n1',
      port: 7070,
      listen: '127.0.0.1',
      hostNamespace: undefined,
      insecure: false,
      bootIdFile: '/proc/sys/kernel/random/boot_id',
      operationTimeoutMs: 60_000,
      tokenSource: { kind: 'file', path: '/etc/kudo/token' },
    });
  });

  it('reads every option', () => {
    const options = parseCliOptions({
      argv: [
        '--node-id=node1',
        '--port=0',
        '--listen=0.0.0.0',
        '--host-namespace=kudo-lab-abc-node1',
        '--boot-id-file=/tmp/boot',
        '--operation-timeout-ms=500',
        '--token-file=/tmp/token',
      ],
      env,
    });
    expect(options).toMatchObject({
      nodeId: 'node1',
      port: 0,
      listen: '0.0.0.0',
      hostNamespace: 'kudo-lab-abc-node1',
      bootIdFile: '/tmp/boot',
      operationTimeoutMs: 500,
    });
  });

  it('prefers --token-file, then KUDO_AGENT_TOKEN_FILE, then KUDO_AGENT_TOKEN', () => {
    const argv = ['--node-id', 'n1', '--port', '1'];
    const all = { ...env, KUDO_AGENT_TOKEN_FILE: '/env/file', KUDO_AGENT_TOKEN: 'from-env' };
    expect(parseCliOptions({ argv: [...argv, '--token-file', '/cli/file'], env: all })?.tokenSource).toEqual({
      kind: 'file',
      path: '/cli/file',
    });
    expect(parseCliOptions({ argv, env: all })?.tokenSource).toEqual({ kind: 'file', path: '/env/file' });
    expect(parseCliOptions({ argv, env: { ...env, KUDO_AGENT_TOKEN: 'from-env' } })?.tokenSource).toEqual({
      kind: 'value',
      value: 'from-env',
    });
  });

  it('refuses to start without a token', () => {
    expect(parseError(['--node-id', 'n1', '--port', '7070'])).toEqual({
      code: 'NO_TOKEN',
      field: '--token-file',
    });
  });

  it('starts without a token when --insecure on loopback', () => {
    expect(
      parseCliOptions({ argv: ['--node-id', 'n1', '--port', '7070', '--insecure'], env })?.tokenSource,
    ).toEqual({ kind: 'none' });
  });

  it('refuses --insecure on an address other than loopback', () => {
    expect(parseError(['--node-id', 'n1', '--port', '7070', '--insecure', '--listen', '0.0.0.0'])).toEqual({
      code: 'UNSAFE_LISTEN',
      field: '--listen',
    });
  });

  it.each([
    [['--port', '7070', '--insecure'], '--node-id'],
    [['--node-id', 'n1', '--insecure'], '--port'],
    [['--node-id=-bad', '--port', '7070', '--insecure'], '--node-id'],
    [['--node-id', 'n1', '--port', '70000', '--insecure'], '--port'],
    [['--node-id', 'n1', '--port', 'http', '--insecure'], '--port'],
    [
      ['--node-id', 'n1', '--port', '1', '--insecure', '--operation-timeout-ms', '0'],
      '--operation-timeout-ms',
    ],
    [['--node-id', 'n1', '--port', '1', '--insecure', '--host-namespace', '../x'], '--host-namespace'],
  ])('refuses %j, naming %s', (argv, field) => {
    expect(parseError(argv)).toEqual({ code: 'INVALID_OPTION', field });
  });

  it('refuses unknown options and a token on the command line', () => {
    expect(parseError(['--node-id', 'n1', '--port', '1', '--token', 'secret'])).toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('returns undefined for --help', () => {
    expect(parseCliOptions({ argv: ['--help'], env })).toBeUndefined();
  });
});

describe('parseCommand', () => {
  const hash = `sha256:${'ab'.repeat(32)}`;
  const joinArgs = [
    'join',
    '--server',
    'https://cp.example:3443/',
    '--token',
    'kudo_join_x',
    '--ca-hash',
    hash,
  ];
  const commandError = (argv: string[]) => {
    try {
      parseCommand({ argv, env });
    } catch (error) {
      if (error instanceof AgentError) return { code: error.code, field: error.field };
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('keeps the serve form, with or without the word serve', () => {
    const argv = ['--node-id', 'n1', '--port', '7070', '--insecure'];
    expect(parseCommand({ argv, env })).toMatchObject({
      command: 'serve',
      options: { nodeId: 'n1', port: 7070 },
    });
    expect(parseCommand({ argv: ['serve', ...argv], env })).toEqual(parseCommand({ argv, env }));
  });

  it('reads join with its defaults', () => {
    expect(parseCommand({ argv: joinArgs, env })).toEqual({
      command: 'join',
      options: {
        server: 'https://cp.example:3443',
        token: 'kudo_join_x',
        caHash: hash,
        nodeId: undefined,
        listen: { host: '0.0.0.0', port: 7443 },
        externalAddress: undefined,
        configDirectory: '/etc/kudo',
        tokenFile: undefined,
      },
    });
  });

  it('reads every join option', () => {
    const command = parseCommand({
      argv: [
        ...joinArgs,
        '--node-id=node-a',
        '--listen=198.51.100.11:7444',
        '--external-address=198.51.100.11',
        '--config-dir=/tmp/kudo',
        '--token-file=/etc/kudo/admin-token',
      ],
      env,
    });
    expect(command).toMatchObject({
      command: 'join',
      options: {
        nodeId: 'node-a',
        listen: { host: '198.51.100.11', port: 7444 },
        externalAddress: '198.51.100.11',
        configDirectory: '/tmp/kudo',
        tokenFile: '/etc/kudo/admin-token',
      },
    });
    expect(parseCommand({ argv: [...joinArgs, '--listen', '[::]:7443'], env })).toMatchObject({
      options: { listen: { host: '::', port: 7443 } },
    });
  });

  it.each([
    [['join', '--token', 't', '--ca-hash', hash], '--server'],
    [['join', '--server', 'https://cp', '--ca-hash', hash], '--token'],
    [['join', '--server', 'https://cp', '--token', 't'], '--ca-hash'],
    [['join', '--server', 'http://cp', '--token', 't', '--ca-hash', hash], '--server'],
    [['join', '--server', 'https://cp', '--token', 't', '--ca-hash', 'sha256:ABC'], '--ca-hash'],
    [[...joinArgs, '--node-id=-x'], '--node-id'],
    [[...joinArgs, '--listen', 'eth0'], '--listen'],
    [[...joinArgs, '--listen', '198.51.100.11:0'], '--listen'],
    [[...joinArgs, '--external-address', 'cp.example'], '--external-address'],
    [['run', '--operation-timeout-ms', '0'], '--operation-timeout-ms'],
  ])('refuses %j, naming %s', (argv, field) => {
    expect(commandError(argv)).toEqual({ code: 'INVALID_OPTION', field });
  });

  it('reads run, and help for each command', () => {
    expect(parseCommand({ argv: ['run'], env })).toEqual({
      command: 'run',
      options: {
        configDirectory: '/etc/kudo',
        bootIdFile: '/proc/sys/kernel/random/boot_id',
        operationTimeoutMs: 60_000,
      },
    });
    expect(parseCommand({ argv: ['run', '--config-dir', '/tmp/k'], env })).toMatchObject({
      options: { configDirectory: '/tmp/k' },
    });
    for (const argv of [['--help'], ['join', '--help'], ['run', '--help']])
      expect(parseCommand({ argv, env })).toMatchObject({
        command: 'help',
        text: expect.stringContaining('Usage'),
      });
  });
});
