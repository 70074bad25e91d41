import { resolve } from 'node:path';
import type { NextConfig } from 'next';
import { PHASE_PRODUCTION_BUILD } from 'next/constants.js';

const nextConfig: NextConfig = {
  // The workspace packages export TypeScript source: Next compiles them with the app.
  transpilePackages: ['@kudo/netcore', '@kudo/agent', '@kudo/pki'],
  // Native and Node-only modules stay outside the bundle and are required at run time.
  serverExternalPackages: [
    'better-sqlite3',
    '@prisma/adapter-better-sqlite3',
    'pino',
    'execa',
    'eventsource',
    'undici',
    '@peculiar/x509',
  ],
  /**
   * The dependencies are hoisted to the repository's node_modules: file tracing (what the standalone
   * output copies) starts from the repository root. `next build` and `next start` run in apps/web.
   */
  outputFileTracingRoot: resolve(process.cwd(), '..', '..'),
  /**
   * The monorepo's TypeScript imports say `./file.js` for `./file.ts` (ESM style). Webpack maps them;
   * Turbopack (Next 16's default) cannot yet, hence `--webpack` in the dev and build scripts.
   */
  // Types are checked by the `typecheck` task (tsc over the whole app), not a second time by the build.
  typescript: { ignoreBuildErrors: true },
  // No `X-Powered-By: Next.js`: nothing tells a stranger what serves the dashboard.
  poweredByHeader: false,
  /**
   * Security headers on every response (pages, API, static files). The pages' Content-Security-Policy, with
   * a nonce per request, comes from src/proxy.ts; the API's (JSON and event streams, never a document to
   * run) is a fixed `default-src 'none'`, so the hot path runs no proxy. `same-origin`, not `no-referrer`: with `no-referrer` the
   * browser sends `Origin: null` on the dashboard's own POSTs, which the cross-site check refuses.
   */
  headers: async () => [
    {
      source: '/:path*',
      headers: [
        { key: 'X-Content-Type-Options', value: 'nosniff' },
        { key: 'Referrer-Policy', value: 'same-origin' },
        { key: 'X-Frame-Options', value: 'DENY' },
        { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
        { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
      ],
    },
    {
      source: '/api/:path*',
      headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
    },
  ],
  webpack: (config) => {
    config.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] };
    return config;
  },
};

/**
 * Every production build also writes `.next/standalone`: the server and the node_modules it needs (native
 * better-sqlite3, the Prisma runtime), which package-control-plane.mjs turns into the packaged control plane.
 * Only the build sees `output: 'standalone'`: `next start` (the lab, the browser tests) serves the same
 * `.next` and would otherwise warn that it does not suit a standalone build.
 */
export default (phase: string): NextConfig =>
  phase === PHASE_PRODUCTION_BUILD ? { ...nextConfig, output: 'standalone' } : nextConfig;
