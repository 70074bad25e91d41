import { type ChildProcess, spawn } from 'node:child_process';

const serverScript = `
const http = require('node:http');
const [name, port] = process.argv.slice(1);
http.createServer((request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end('hello from ' + name + ' to ' + request.socket.remoteAddress + '\\n');
}).listen(Number(port), '0.0.0.0', () => console.log('ready'));`;

/**
 * A small HTTP server inside an instance's namespace (entered with nsenter), so the example port mappings
 * of `npm start` answer: `hello from web-1 to 198.51.100.200`.
 */
export const startDemoServer = ({
  namespace,
  port,
  name,
}: {
  namespace: string;
  port: number;
  name: string;
}) =>
  new Promise<{ stop: () => void }>((resolve, reject) => {
    const child: ChildProcess = spawn(
      'nsenter',
      [`--net=/run/netns/${namespace}`, '--', process.execPath, '-e', serverScript, name, String(port)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`demo server in ${namespace} exited with ${code}: ${stderr}`)),
    );
    child.stdout?.once('data', () =>
      resolve({
        stop: () => {
          child.kill('SIGKILL');
        },
      }),
    );
  });
