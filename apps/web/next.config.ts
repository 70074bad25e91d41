import type { NextConfig } from 'next';

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
   * The monorepo's TypeScript imports say `./file.js` for `./file.ts` (ESM style). Webpack maps them;
   * Turbopack (Next 16's default) cannot yet, hence `--webpack` in the dev and build scripts.
   */
  // Types are checked by the `typecheck` task (tsc over the whole app), not a second time by the build.
  typescript: { ignoreBuildErrors: true },
  webpack: (config) => {
    config.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] };
    return config;
  },
};

export default nextConfig;
