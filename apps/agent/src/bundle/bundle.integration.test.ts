import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestCluster } from '../tls/test-cluster.js';

const run = promisify(execFile);
const agentDirectory = join(import.meta.dirname, '..', '..');
/** Plain node, with nothing of the test's environment: no NODE_OPTIONS, no tsx loader. */
const plainEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/**
 * The packaged agent: bundled by `build.mjs`, copied to a directory outside the repository and run with
 * plain node, acting in a lab machine's own namespace (entered with nsenter, no --host-namespace), and
 * reached from another lab machine over the underlay.
 */
describeWithNamespaces('the bundled agent (kudo-agent.mjs)', () => {
  const getLab = useTestLab({ nodeCount: 1 });
  let directory: string;
  let bundle: string;
  let agent: ChildProcess | undefined;
  let cluster: Awaited<ReturnType<typeof createTestCluster>>;
  let configDirectory: Awaited<ReturnType<typeof cluster.createConfigDirectory>>;
  const token = 'bundle-test-admin-token-0123456789';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-bundle-'));
    await run(
      process.execPath,
      [join(agentDirectory, 'build.mjs'), join(directory, 'build', 'kudo-agent.mjs')],
      {
        env: plainEnv,
      },
    );
    bundle = join(directory, 'kudo-agent.mjs');
    await copyFile(join(directory, 'build', 'kudo-agent.mjs'), bundle);
    await copyFile(join(import.meta.dirname, 'probe-agent.mjs'), join(directory, 'probe-agent.mjs'));
    cluster = await createTestCluster();
  });
  afterAll(async () => {
    try {
      if (agent && agent.exitCode === null) {
        const exited = new Promise((resolve) => agent?.once('exit', resolve));
        agent.kill('SIGTERM');
        await exited;
      }
    } finally {
      await configDirectory?.remove();
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  it('prints its help with plain node, outside the repository', async () => {
    const { stdout } = await run(process.execPath, [bundle, '--help'], { cwd: directory, env: plainEnv });
    expect(stdout).toContain('kudo-agent join --server URL --token TOKEN --ca-hash sha256:HEX');
    const join = await run(process.execPath, [bundle, 'join', '--help'], { cwd: directory, env: plainEnv });
    expect(join.stdout).toContain('--ca-hash sha256:HEX');
  });

  it('runs from a config dir on a lab machine: TLS only, the control plane certificate or the token, nothing else', {
    timeout: 60_000,
  }, async () => {
    const [node] = getLab().nodes;
    if (!node) throw new Error('the lab has no node');
    const tokenFile = join(directory, 'admin-token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    configDirectory = await cluster.createConfigDirectory({
      config: {
        nodeId: 'node1',
        server: 'https://198.51.100.200:3443',
        listen: `${node.externalIpAddr}:7443`,
        agentUrl: `https://${node.externalIpAddr}:7443`,
        externalIpAddr: node.externalIpAddr,
        tokenFile,
      },
    });
    const bootIdFile = join(directory, 'boot_id');
    await writeFile(bootIdFile, 'boot-1\n');
    agent = spawn(
      'nsenter',
      [
        `--net=/run/netns/${node.namespace}`,
        process.execPath,
        bundle,
        'run',
        '--config-dir',
        configDirectory.directory,
        '--boot-id-file',
        bootIdFile,
      ],
      { cwd: directory, env: plainEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      agent?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"agent listening"')) resolve();
      });
      agent?.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      agent?.once('exit', (code) => reject(new Error(`the agent exited (${code}): ${output}`)));
    });
    expect(output).toContain(`"url":"https://${node.externalIpAddr}:7443"`);

    const input = join(directory, 'probe-input.json');
    await writeFile(
      input,
      JSON.stringify({
        url: `https://${node.externalIpAddr}:7443`,
        caCertificatePem: cluster.ca.certificatePem,
        identities: {
          controlPlane: cluster.controlPlane,
          otherAgent: cluster.otherAgent,
          foreignControlPlane: cluster.foreignControlPlane,
        },
        token,
      }),
    );
    const { stdout } = await run(
      'nsenter',
      [
        `--net=/run/netns/${getLab().outside.namespace}`,
        process.execPath,
        join(directory, 'probe-agent.mjs'),
        input,
      ],
      { cwd: directory, env: plainEnv },
    );
    const results = JSON.parse(stdout) as Record<string, { status?: number; body?: string; error?: string }>;
    expect(results.controlPlane?.status).toBe(200);
    expect(JSON.parse(results.controlPlane?.body ?? '{}')).toMatchObject({
      result: { data: { nodeId: 'node1', hostNamespace: null, apiVersion: 1, bootId: 'boot-1' } },
    });
    expect(results.token?.status).toBe(200);
    expect(results.metrics?.status).toBe(200);
    expect(results.metrics?.body).toContain('kudo_agent_operations_total');
    expect(results.wrongToken?.status).toBe(401);
    expect(results.nothing?.status).toBe(401);
    expect(results.otherAgent?.status).toBe(401);
    expect(results.foreignControlPlane?.status).toBe(401);
    expect(results.plainHttp?.status).toBeUndefined();
    expect(results.plainHttp?.error).toBeDefined();
    expect(output).not.toContain(token);
  });

  it("refuses to serve plain HTTP on a lab machine's network address", async () => {
    const [node] = getLab().nodes;
    const tokenFile = join(directory, 'serve-token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const refused = await run(
      'nsenter',
      [
        `--net=/run/netns/${node?.namespace}`,
        process.execPath,
        bundle,
        '--node-id',
        'node1',
        '--port',
        '7070',
        '--listen',
        node?.externalIpAddr ?? '',
        '--token-file',
        tokenFile,
      ],
      { cwd: directory, env: plainEnv },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('plain HTTP only on loopback');
  });
});
