/**
 * Run by the bundle test with plain node inside a lab namespace (the "control plane machine"): asks an
 * agent's health in several ways and prints what happened to each, as JSON. Node built-ins only.
 * Usage: node probe-agent.mjs INPUT.json, with { url, caCertificatePem, identities: { NAME: { privateKeyPem,
 * certificatePem } }, token }.
 */
import { readFileSync } from 'node:fs';
import { request as requestHttp } from 'node:http';
import { request as requestHttps } from 'node:https';

const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));

const probe = ({ url, options }) =>
  new Promise((resolve) => {
    const outgoing = (url.startsWith('https:') ? requestHttps : requestHttp)(
      url,
      { agent: false, ...options },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, body }));
      },
    );
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error) => resolve({ error: error.code ?? error.message }));
    outgoing.end();
  });

const healthUrl = `${input.url}/trpc/health`;
const tls = { ca: input.caCertificatePem };
const withIdentity = (name) => ({
  ...tls,
  key: input.identities[name].privateKeyPem,
  cert: input.identities[name].certificatePem,
});

const results = {
  controlPlane: await probe({ url: healthUrl, options: withIdentity('controlPlane') }),
  token: await probe({
    url: healthUrl,
    options: { ...tls, headers: { authorization: `Bearer ${input.token}` } },
  }),
  metrics: await probe({
    url: `${input.url}/metrics`,
    options: { ...tls, headers: { authorization: `Bearer ${input.token}` } },
  }),
  wrongToken: await probe({
    url: healthUrl,
    options: { ...tls, headers: { authorization: `Bearer ${input.token}x` } },
  }),
  nothing: await probe({ url: healthUrl, options: tls }),
  otherAgent: await probe({ url: healthUrl, options: withIdentity('otherAgent') }),
  foreignControlPlane: await probe({ url: healthUrl, options: withIdentity('foreignControlPlane') }),
  plainHttp: await probe({
    url: healthUrl.replace('https:', 'http:'),
    options: { headers: { authorization: `Bearer ${input.token}` } },
  }),
};
console.log(JSON.stringify(results));
