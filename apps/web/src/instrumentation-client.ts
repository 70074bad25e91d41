import { z } from 'zod';

/**
 * Runs in the browser before the dashboard's code. zod compiles object parsers with `new Function` when it
 * may, and finds out by trying: under the dashboard's Content-Security-Policy (no `unsafe-eval`) the try is
 * a reported violation. Jitless, zod parses without compiling and never tries.
 */
z.config({ jitless: true });
