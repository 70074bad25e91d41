import { request } from 'node:https';
import { rootCertificates } from 'node:tls';

export type JsonResponse = { status: number; body: unknown };

/**
 * One JSON request over HTTPS. `trust` is either the cluster CA (PEM: it and the system roots are trusted,
 * since the admin may give the control plane a certificate of a public CA) or 'nothing-yet', for the one
 * request of join that fetches the CA, whose answer is checked against --ca-hash instead.
 */
export const requestJson = ({
  url,
  method,
  body,
  trust,
  timeoutMs = 15_000,
}: {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  trust: { caCertificatePem: string } | 'nothing-yet';
  timeoutMs?: number;
}) =>
  new Promise<JsonResponse>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      url,
      {
        method,
        headers: {
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
        ...(trust === 'nothing-yet'
          ? { rejectUnauthorized: false }
          : { ca: [...rootCertificates, trust.caCertificatePem], rejectUnauthorized: true }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: the caller reports the status with the text.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
