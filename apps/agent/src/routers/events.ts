import { tracked } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, createRouter } from '../trpc.js';

/**
 * Every mutation as it happens: started, then finished or failed with its duration (server-sent events).
 * Events are tracked by id: a client that reconnects sends the last id it saw and gets only what followed.
 */
export const eventsRouter = createRouter({
  events: authedProcedure
    .input(z.object({ lastEventId: z.string().max(64).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const event of ctx.services.events.subscribe({
        lastEventId: input?.lastEventId ?? undefined,
        signal,
      }))
        yield tracked(event.id, event);
    }),
});
