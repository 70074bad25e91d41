import { describe, expect, it } from 'vitest';
import { parseCniConfig } from './config.js';
import { parseCniEnvironment } from './environment.js';
import { CniError, formatCniError } from './errors.js';
import { renderAddResult } from './result.js';
import { isCommandInVersion } from './versions.js';

const catchCniError = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CniError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CniError');
};

const attachment = {
  ifName: 'eth0',
  sandbox: '/proc/42/ns/net',
  hostInterfaceName: 'kudov0123456789',
  instanceIpCidr: '10.0.0.130/24',
  gateway: '10.0.0.1',
};

describe('the CNI environment', () => {
  it('names every missing variable of the command with code 4', () => {
    expect(catchCniError(() => parseCniEnvironment({ CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' }))).toEqual({
      code: 4,
      message: 'missing environment variables: CNI_CONTAINERID, CNI_NETNS, CNI_PATH',
    });
    expect(catchCniError(() => parseCniEnvironment({}))).toMatchObject({
      code: 4,
      message: expect.stringContaining('CNI_COMMAND'),
    });
    expect(catchCniError(() => parseCniEnvironment({ CNI_COMMAND: 'FROB' }))).toMatchObject({ code: 4 });
  });

  it('lets DEL go without CNI_NETNS, and reads CNI_ARGS', () => {
    const env = parseCniEnvironment({
      CNI_COMMAND: 'DEL',
      CNI_CONTAINERID: 'c1',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/opt/cni/bin',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
    });
    expect(env).toMatchObject({
      command: 'DEL',
      netns: undefined,
      args: { IgnoreUnknown: '1', K8S_POD_NAME: 'web' },
    });
    expect(
      catchCniError(() => parseCniEnvironment({ CNI_COMMAND: 'STATUS', CNI_ARGS: 'novalue' })),
    ).toMatchObject({
      code: 4,
    });
  });
});

describe('the network configuration', () => {
  it('gives 6 for what is not JSON, 1 for an unsupported version, 7 for a bad field, in that order', () => {
    expect(catchCniError(() => parseCniConfig('{nope'))).toMatchObject({ code: 6 });
    expect(
      catchCniError(() => parseCniConfig('{"cniVersion":"0.2.0","name":"k","type":"kudo"}')),
    ).toMatchObject({
      code: 1,
      message: expect.stringContaining('0.3.1, 0.4.0, 1.0.0, 1.1.0'),
    });
    expect(
      catchCniError(() => parseCniConfig('{"cniVersion":"1.0.0","name":"bad name","type":"kudo"}')),
    ).toMatchObject({ code: 7, message: expect.stringContaining('name') });
  });

  it('defaults the agent socket and reads portMappings from runtimeConfig', () => {
    const config = parseCniConfig(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'kudo',
        type: 'kudo',
        runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
      }),
    );
    expect(config.agentSocket).toBe('/run/kudo/agent.sock');
    expect(config.runtimeConfig.portMappings).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    ]);
  });

  it('knows which command each version has', () => {
    expect(isCommandInVersion({ command: 'CHECK', version: '0.3.1' })).toBe(false);
    expect(isCommandInVersion({ command: 'CHECK', version: '0.4.0' })).toBe(true);
    expect(isCommandInVersion({ command: 'GC', version: '1.0.0' })).toBe(false);
    expect(isCommandInVersion({ command: 'STATUS', version: '1.1.0' })).toBe(true);
  });
});

describe('results and errors', () => {
  it('answers 1.x without ip versions, the container interface indexed after the host veth', () => {
    expect(renderAddResult({ attachment, prevResult: undefined, cniVersion: '1.0.0' })).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'kudov0123456789' }, { name: 'eth0', sandbox: '/proc/42/ns/net' }],
      ips: [{ address: '10.0.0.130/24', gateway: '10.0.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      dns: {},
    });
  });

  it('answers 0.3.1 and 0.4.0 with version "4" on each ip', () => {
    for (const cniVersion of ['0.3.1', '0.4.0'] as const)
      expect(renderAddResult({ attachment, prevResult: undefined, cniVersion }).ips).toEqual([
        { address: '10.0.0.130/24', gateway: '10.0.0.1', interface: 1, version: '4' },
      ]);
  });

  it("keeps a previous plugin's result first and indexes after it", () => {
    const result = renderAddResult({
      attachment,
      cniVersion: '1.1.0',
      prevResult: {
        interfaces: [{ name: 'lo', sandbox: '/proc/42/ns/net' }],
        ips: [{ address: '127.0.0.1/8', interface: 0 }],
        routes: [],
        dns: { nameservers: ['10.0.0.1'] },
      },
    });
    expect(result.interfaces.map(({ name }) => name)).toEqual(['lo', 'kudov0123456789', 'eth0']);
    expect(result.ips.at(-1)).toMatchObject({ interface: 2 });
    expect(result.dns).toEqual({ nameservers: ['10.0.0.1'] });
  });

  it('writes the spec error JSON', () => {
    expect(
      formatCniError({ error: new CniError({ code: 11, message: 'later' }), cniVersion: '1.0.0' }),
    ).toEqual({
      cniVersion: '1.0.0',
      code: 11,
      msg: 'later',
    });
  });
});
