import { execa } from 'execa';
import { namespacePath } from '../kernel/namespaces.js';

/**
 * Traffic probes between lab namespaces: real ping and real TCP/UDP with Node's own sockets.
 * Every process is entered into its namespace with nsenter; nothing runs in the machine's namespace.
 */
const inNamespace = (namespace: string) => [`--net=${namespacePath(namespace)}`, '--'];

/**
 * Whether `count` echo requests are answered within 3 s (probes every 0.2 s until then). One probe with a
 * 1 s wait failed now and then on a loaded 2-core machine: a lost first ARP request is retried by the
 * kernel only after 1 s. An unreachable address still answers false, after the 3 s.
 */
export const ping = async ({ from, to, count = 1 }: { from: string; to: string; count?: number }) => {
  const result = await execa(
    'nsenter',
    [...inNamespace(from), 'ping', '-n', '-c', String(count), '-i', '0.2', '-w', '3', to],
    { reject: false },
  );
  return result.exitCode === 0;
};

const serverScript = `
const net = require('node:net'); const dgram = require('node:dgram');
const [protocol, port] = process.argv.slice(1);
const reply = (address) => 'hello from ' + process.env.NAME + ' to ' + address;
if (protocol === 'udp') {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_, peer) => socket.send(reply(peer.address), peer.port, peer.address));
  socket.bind(Number(port), '0.0.0.0', () => console.log('ready'));
} else {
  net.createServer((socket) => socket.end(reply(socket.remoteAddress))).listen(Number(port), '0.0.0.0', () => console.log('ready'));
}`;

/** Starts a server in a namespace that answers each client with its own name and the client's address. */
export const startServer = async ({
  namespace,
  port,
  name,
  protocol = 'tcp',
}: {
  namespace: string;
  port: number;
  name: string;
  protocol?: 'tcp' | 'udp';
}) => {
  const child = execa(
    'nsenter',
    [...inNamespace(namespace), process.execPath, '-e', serverScript, protocol, String(port)],
    {
      env: { NAME: name },
      reject: false,
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) =>
      reject(new Error(`server in ${namespace} exited with ${code}: ${child.stderr}`)),
    );
  });
  return {
    stop: async () => {
      child.kill('SIGKILL');
      await child;
    },
  };
};

const clientScript = `
const net = require('node:net'); const dgram = require('node:dgram');
const [protocol, host, port] = process.argv.slice(1);
const fail = (why) => { console.error(why); process.exit(1); };
setTimeout(() => fail('timeout'), 2000);
if (protocol === 'udp') {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message) => { process.stdout.write(String(message)); process.exit(0); });
  socket.send('hi', Number(port), host);
} else {
  let data = '';
  net.connect(Number(port), host).on('data', (chunk) => { data += chunk; }).on('end', () => { process.stdout.write(data); process.exit(0); }).on('error', (e) => fail(e.message));
}`;

/** Connects from a namespace; returns the server's answer (`hello from NAME to CLIENT_ADDRESS`) or undefined. */
export const request = async ({
  from,
  host,
  port,
  protocol = 'tcp',
}: {
  from: string;
  host: string;
  port: number;
  protocol?: 'tcp' | 'udp';
}) => {
  const result = await execa(
    'nsenter',
    [...inNamespace(from), process.execPath, '-e', clientScript, protocol, host, String(port)],
    {
      reject: false,
    },
  );
  return result.exitCode === 0 ? result.stdout : undefined;
};
