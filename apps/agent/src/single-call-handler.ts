import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  getErrorShape,
  getTRPCErrorFromUnknown,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';

/** A procedure name as the typed client sends it: nothing to decode, no batch of several. */
const plainPathPattern = /^[A-Za-z0-9_.]+$/;

const hasJsonBody = (req: IncomingMessage) => {
  const { headers } = req;
  const length = Number(headers['content-length']);
  return (
    headers['content-type']?.startsWith('application/json') === true &&
    Number.isInteger(length) &&
    length > 0 &&
    headers['transfer-encoding'] === undefined
  );
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.once('end', () => resolve(text));
    req.once('error', reject);
  });

type OnError = (details: {
  error: TRPCError;
  path: string;
  input: unknown;
  ctx: unknown;
  type: 'query' | 'mutation';
  req: IncomingMessage;
}) => void;

/**
 * tRPC's answer to one query or mutation sent alone as a JSON POST (what the agent's typed client sends),
 * without the WHATWG Request, Response and web streams the standard adapter builds for every call (about
 * 1 ms of a round trip after each kernel wait). It runs the same procedure of the same router (its
 * middlewares, input validation, error formatter) and answers what tRPC's fetch handler answers for that
 * request: `{ result: { data } }` or `{ error: shape }` with the shape's HTTP status, in one write.
 * `handle` returns false, having read nothing, for any other request (batches, subscriptions, GET, other
 * content types, unknown or encoded paths): the standard adapter serves those.
 */
export const createSingleCallHandler = ({
  router,
  basePath,
  createContext,
  onError,
}: {
  router: AnyTRPCRouter;
  basePath: string;
  createContext: (req: IncomingMessage) => unknown;
  onError: OnError;
}) => {
  const config = router._def._config;
  const procedures: Record<string, AnyTRPCProcedure> = router._def.procedures;

  const respond = ({ res, body }: { res: ServerResponse; body: Parameters<typeof getHTTPStatusCode>[0] }) => {
    res.writeHead(getHTTPStatusCode(body), {
      'content-type': 'application/json',
      vary: 'trpc-accept, accept',
    });
    res.end(JSON.stringify(transformTRPCResponse(config, body)));
  };

  const call = async ({
    req,
    res,
    path,
    procedure,
  }: {
    req: IncomingMessage;
    res: ServerResponse;
    path: string;
    procedure: AnyTRPCProcedure;
  }) => {
    const type = procedure._def.type as 'query' | 'mutation';
    const text = await readBody(req);
    let input: unknown;
    let isParsed = false;
    const getRawInput = async () => {
      // Parsed when the procedure asks, as the standard adapter does: a body that is not JSON fails there.
      if (!isParsed) {
        try {
          input = config.transformer.input.deserialize(JSON.parse(text));
        } catch (cause) {
          if (cause instanceof TRPCError) throw cause;
          const message = cause instanceof Error ? cause.message : 'Invalid input';
          throw new TRPCError({ code: 'BAD_REQUEST', message, cause });
        }
        isParsed = true;
      }
      return input;
    };
    let ctx: unknown;
    try {
      ctx = await createContext(req);
      const data: unknown = await procedure({
        path,
        getRawInput,
        ctx,
        type,
        signal: undefined,
        batchIndex: 0,
      });
      respond({ res, body: { result: { data } } });
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const known = isParsed ? input : undefined;
      onError({ error, path, input: known, ctx, type, req });
      respond({
        res,
        body: { error: getErrorShape({ config, ctx, error, input: known, path, type }) },
      });
    }
  };

  const handle = ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(basePath) || !hasJsonBody(req)) return false;
    const path = url.slice(basePath.length);
    const { accept } = req.headers;
    if (
      !plainPathPattern.test(path) ||
      req.headers['trpc-accept'] !== undefined ||
      accept === 'application/jsonl'
    )
      return false;
    const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
    if (!procedure || (procedure._def.type !== 'query' && procedure._def.type !== 'mutation')) return false;
    call({ req, res, path, procedure }).catch((error: unknown) => res.destroy(error as Error));
    return true;
  };

  return { handle };
};
