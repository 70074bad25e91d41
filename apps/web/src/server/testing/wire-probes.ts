import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A packet capture on a lab machine's interface (tcpdump from Debian, entered with nsenter), written to
 * `file`. Resolves once tcpdump listens; `stop()` ends it and returns every byte it captured.
 */
export const startCapture = async ({
  namespace,
  interfaceName,
  file,
}: {
  namespace: string;
  interfaceName: string;
  file: string;
}) => {
  const child: ChildProcess = spawn(
    'nsenter',
    [
      `--net=/run/netns/${namespace}`,
      '--',
      'tcpdump',
      '-i',
      interfaceName,
      '-n',
      '-U',
      '-s',
      '0',
      '-w',
      file,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${stderr}`)));
  });
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGINT');
        await exited;
      }
      return readFile(file);
    },
  };
};

/** What became of one request: an HTTP status and body, or a transport error code. */
export type ProbeResult = { status?: number; body?: string; error?: string };

export type Probe = {
  url: string;
  /** The CA to verify the server with (https only). */
  caCertificatePem?: string;
  /** A client certificate to present. */
  identity?: { privateKeyPem: string; certificatePem: string };
  token?: string;
};

/** Run with plain node on a lab machine: each probe's outcome, as JSON, in the order given. */
const probeScript = `
const http = require('node:http'); const https = require('node:https');
const probes = JSON.parse(process.argv[1]);
const probe = ({ url, caCertificatePem, identity, token }) => new Promise((resolve) => {
  const options = { agent: false, headers: token ? { authorization: 'Bearer ' + token } : {} };
  if (caCertificatePem) options.ca = caCertificatePem;
  if (identity) { options.key = identity.privateKeyPem; options.cert = identity.certificatePem; }
  const outgoing = (url.startsWith('https:') ? https : http).request(url, options, (response) => {
    let body = '';
    response.on('data', (chunk) => { body += chunk; });
    response.on('end', () => resolve({ status: response.statusCode, body }));
  });
  outgoing.setTimeout(5000, () => outgoing.destroy(new Error('timeout')));
  outgoing.on('error', (error) => resolve({ error: error.code || error.message }));
  outgoing.end();
});
(async () => {
  const results = [];
  for (const item of probes) results.push(await probe(item));
  console.log(JSON.stringify(results));
})();`;

/** Sends each probe from a lab machine (plain node, entered with nsenter) and returns what happened. */
export const probeFrom = async ({ namespace, probes }: { namespace: string; probes: Probe[] }) => {
  const { stdout } = await run('nsenter', [
    `--net=/run/netns/${namespace}`,
    '--',
    process.execPath,
    '-e',
    probeScript,
    JSON.stringify(probes),
  ]);
  return JSON.parse(stdout) as ProbeResult[];
};
