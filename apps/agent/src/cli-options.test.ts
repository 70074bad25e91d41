import { describe, expect, it } from 'vitest';
import { parseCliOptions } from './cli-options.js';
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
