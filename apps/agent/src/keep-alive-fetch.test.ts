import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeepAliveFetch } from './keep-alive-fetch.js';

describe('createKeepAliveFetch', () => {
  let server: Server;
  let url: string;
  const connections: unknown[] = [];
  const seen: { method?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method, authorization: req.headers.authorization, body });
        if (req.url === '/hang') return;
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body }));
      });
    });
    server.on('connection', (socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and body, answers the status and the JSON, and reuses one connection', async () => {
    const send = createKeepAliveFetch();
    const first = await send(`${url}/a`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: '{"x":1}',
    });
    const second = await send(`${url}/b`, { method: 'POST', body: 'é' });
    expect(await first.json()).toEqual({ echo: '{"x":1}' });
    expect(await second.json()).toEqual({ echo: 'é' });
    expect(seen.slice(0, 2)).toEqual([
      { method: 'POST', authorization: 'Bearer t', body: '{"x":1}' },
      { method: 'POST', authorization: undefined, body: 'é' },
    ]);
    expect(connections).toHaveLength(1);
    const missing = await send(`${url}/missing`, { method: 'POST', body: '' });
    expect({ ok: missing.ok, status: (missing as unknown as { status: number }).status }).toEqual({
      ok: false,
      status: 404,
    });
  });

  it('rejects at once when its signal aborts, and when nothing listens', async () => {
    const send = createKeepAliveFetch();
    const controller = new AbortController();
    const hanging = send(`${url}/hang`, { method: 'POST', body: 'x', signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(hanging).rejects.toThrow('gave up');
    await expect(send('http://127.0.0.1:1/', { method: 'POST', body: 'x' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('does not send a call on a connection the server is about to close (its Keep-Alive timeout)', async () => {
    // The server closes an idle connection after 2 s and says so (`Keep-Alive: timeout=2`): the client
    // lets it go after 1 s, so a call 1.5 s later opens a new one instead of racing the server's close.
    const shortLived = createServer((req, res) => {
      req.resume();
      req.once('end', () => res.end('{}'));
    });
    shortLived.keepAliveTimeout = 2_000;
    const opened: unknown[] = [];
    shortLived.on('connection', (socket) => opened.push(socket));
    await new Promise<void>((resolve) => shortLived.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(shortLived.address() as AddressInfo).port}/`;
    try {
      const send = createKeepAliveFetch();
      await send(target, { method: 'POST', body: '' });
      await send(target, { method: 'POST', body: '' });
      expect(opened).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await send(target, { method: 'POST', body: '' })).ok).toBe(true);
      expect(opened).toHaveLength(2);
    } finally {
      shortLived.closeAllConnections();
      await new Promise((resolve) => shortLived.close(resolve));
    }
  });
});
