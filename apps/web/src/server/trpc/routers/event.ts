import { tracked } from '@trpc/server';
import { z } from 'zod';
import { createRouter, protectedProcedure } from '../trpc.js';

/** The audit log: every change, page by page, and live over server-sent events; operations as they run. */
export const eventRouter = createRouter({
  list: protectedProcedure
    .input(
      z
        .object({
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).default(50),
          targetType: z.string().max(32).optional(),
          targetId: z.string().max(2048).optional(),
          /** A user's name: their changes (also through their API tokens). */
          user: z.string().max(64).optional(),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.events.list(input)),
  /** New entries as they are written; a reconnecting client resumes after the last id it saw. */
  live: protectedProcedure
    .input(z.object({ lastEventId: z.string().regex(/^\d+$/).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const lastEventId = input?.lastEventId ? Number(input.lastEventId) : undefined;
      for await (const event of ctx.services.events.follow({ lastEventId, signal }))
        yield tracked(String(event.id), event);
    }),
  /**
   * Operations as they run, on every node's agent and in the control plane (with their progress): every
   * operation kept first, then each change; a reconnecting client resumes after the last id it saw.
   */
  operations: protectedProcedure
    .input(z.object({ lastEventId: z.string().max(64).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const lastEventId = input?.lastEventId ?? undefined;
      for await (const { id, operation } of ctx.services.operations.follow({ lastEventId, signal }))
        yield tracked(id, operation);
    }),
});
