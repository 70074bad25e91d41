import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fingerprintCertificate } from '@kudo/pki';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Agent, fetch as fetchWithAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../../../scripts/lab-cluster/web-server.js';
import { findRepositoryRoot } from '../server/db/migrate-database.js';
import { startThrowawayPostgres } from '../server/testing/throwaway-postgres.js';
import {
  ensureControlPlanePackage,
  killLauncher,
  type LauncherRun,
  runLauncher,
  waitForOutput,
} from './testing/control-plane-package.js';

/**
 * The packaged control plane (apps/web/dist/kudo-control-plane, `npm run build`) copied to a temporary
 * directory and run with plain node where the repository is hidden (a mount namespace of its own), as an
 * admin runs it from /opt/kudo/control-plane: it migrates a fresh database, creates the accounts and the CA,
 * serves the dashboard and the join endpoint (plain HTTP on loopback, then HTTPS with KUDO_TLS=ca), and
 * ends on SIGTERM.
 */
const root = findRepositoryRoot({ from: import.meta.dirname });
const migrationNames = readdirSync(join(root, 'prisma', 'migrations'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const postgresMigrationNames = readdirSync(join(root, 'prisma', 'postgresql', 'migrations'), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** A query on a PostgreSQL database, on a connection of its own. */
const queryPostgres = async <T extends pg.QueryResultRow>({ url, sql }: { url: string; sql: string }) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
};

const readMigrated = (file: string) => {
  const db = new Sqlite(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name',
      )
      .all() as { migration_name: string }[];
    return rows.map((row) => row.migration_name);
  } finally {
    db.close();
  }
};

/** Every file under `directory`, relative to it: the package must stay as it was copied. */
const listFiles = (directory: string) => readdirSync(directory, { recursive: true, encoding: 'utf8' }).sort();

/** The certificate a TLS listener shows, verified against `ca` (rejects if it is not signed by it). */
const readServerCertificate = ({ port, ca }: { port: number; ca: string }) =>
  new Promise<{ issuer: string; subjectAltName: string | undefined }>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      const certificate = socket.getPeerCertificate();
      resolve({ issuer: String(certificate.issuer.CN), subjectAltName: certificate.subjectaltname });
      socket.end();
    });
    socket.once('error', reject);
  });

describe('the packaged control plane', () => {
  let packageDir: string;
  let work: string;
  let launcher: string;
  let dataDir: string;
  const runs: LauncherRun[] = [];
  let printedFingerprint: string;
  let packageFiles: string[];

  const start = async ({ env }: { env: Record<string, string> }) => {
    const port = await findFreePort();
    const run = runLauncher({
      launcher,
      hiddenDir: root,
      env: { KUDO_DATA_DIR: dataDir, KUDO_WEB_HOST: '127.0.0.1', KUDO_WEB_PORT: String(port), ...env },
    });
    runs.push(run);
    const [, url] = await waitForOutput({ run, pattern: /\[kudo\] dashboard on (\S+)/ });
    return { run, port, url: url ?? '' };
  };

  beforeAll(async () => {
    packageDir = await ensureControlPlanePackage({ root, log: () => undefined });
    work = mkdtempSync(join(tmpdir(), 'kudo-control-plane-'));
    cpSync(packageDir, join(work, 'control-plane'), { recursive: true, verbatimSymlinks: true });
    launcher = join(work, 'control-plane', 'kudo-control-plane.mjs');
    packageFiles = listFiles(join(work, 'control-plane'));
    dataDir = join(work, 'data');
  }, 900_000);

  afterAll(async () => {
    try {
      for (const run of runs) await killLauncher(run);
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('migrates a fresh database, says how to make the first admin (create-admin prints its password), prints the CA, serves over HTTP, ends on SIGTERM', async () => {
    const { run, url } = await start({ env: {} });
    const output = run.readOutput();
    expect(output).toContain(`migrations applied: ${migrationNames.join(', ')}`);
    expect(readMigrated(join(dataDir, 'kudo.db'))).toEqual(migrationNames);
    // A service's first start makes no password (its console is the journal): it says how to make an admin.
    expect(output).toContain(
      'No dashboard user yet: create the first admin with `node kudo-control-plane.mjs create-admin NAME`',
    );
    expect(output).not.toMatch(/one-time password is shown/);
    const createAdmin = runLauncher({
      launcher,
      hiddenDir: root,
      args: ['create-admin', 'admin'],
      env: { KUDO_DATA_DIR: dataDir },
    });
    runs.push(createAdmin);
    expect(await createAdmin.exited).toBe(0);
    const password = createAdmin.readOutput().match(/^ {2}admin +(\S+)$/m)?.[1];
    expect(password).toMatch(/^\S{20}$/);
    printedFingerprint = output.match(/\[kudo\] cluster CA (sha256:[0-9a-f]{64})/)?.[1] ?? '';
    const caCertificatePem = readFileSync(join(dataDir, 'ca.crt'), 'utf8');
    expect(printedFingerprint).toBe(fingerprintCertificate({ certificatePem: caCertificatePem }));

    const signInPage = await fetch(`${url}/sign-in`);
    expect(signInPage.status).toBe(200);
    expect(await signInPage.text()).toContain('<html');
    const ca = (await (await fetch(`${url}/api/join/ca`)).json()) as { caCertificatePem: string };
    expect(fingerprintCertificate({ certificatePem: ca.caCertificatePem })).toBe(printedFingerprint);
    const signIn = await fetch(`${url}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password }),
    });
    expect(signIn.status).toBe(200);

    process.kill(run.child.pid ?? 0, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.readOutput()).toContain('[kudo] SIGTERM: stopping');
    // The server it ran is gone with it: nothing answers on its port.
    await expect(fetch(`${url}/sign-in`)).rejects.toThrow();
  });

  it('starts again on the same data over HTTPS (KUDO_TLS=ca): no new passwords, the same CA, its certificate', async () => {
    expect(printedFingerprint).toMatch(/^sha256:/);
    const { run, port, url } = await start({ env: { KUDO_TLS: 'ca', KUDO_TLS_NAMES: '127.0.0.1' } });
    expect(url).toBe(`https://127.0.0.1:${port}`);
    const output = run.readOutput();
    expect(output).toContain('up to date');
    expect(output).not.toContain('Dashboard accounts were created');
    expect(output).toContain(`[kudo] cluster CA ${printedFingerprint}`);

    const ca = readFileSync(join(dataDir, 'ca.crt'), 'utf8');
    const certificate = await readServerCertificate({ port, ca });
    expect(certificate).toEqual({ issuer: 'Kudo cluster CA', subjectAltName: 'IP Address:127.0.0.1' });
    const dispatcher = new Agent({ connect: { ca } });
    try {
      const answer = await fetchWithAgent(`${url}/api/join/ca`, { dispatcher });
      const { caCertificatePem } = (await answer.json()) as { caCertificatePem: string };
      expect(fingerprintCertificate({ certificatePem: caCertificatePem })).toBe(printedFingerprint);
      const signInPage = await fetchWithAgent(`${url}/sign-in`, { dispatcher });
      expect(signInPage.status).toBe(200);
      // Plain HTTP to the HTTPS port gets no page.
      await expect(fetch(`http://127.0.0.1:${port}/sign-in`)).rejects.toThrow();
    } finally {
      await dispatcher.close();
    }

    process.kill(run.child.pid ?? 0, 'SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(readServerCertificate({ port, ca })).rejects.toThrow();
    // Nothing was written into the package (systemd's ProtectSystem=strict keeps /opt read-only).
    expect(listFiles(join(work, 'control-plane'))).toEqual(packageFiles);
  });

  it('runs on PostgreSQL (a throwaway cluster): applies the PostgreSQL migrations once, with the one runner, and serves', {
    timeout: 180_000,
  }, async () => {
    const postgres = await startThrowawayPostgres();
    try {
      await queryPostgres({ url: postgres.toUrl({ name: 'postgres' }), sql: 'CREATE DATABASE kudo' });
      const databaseUrl = postgres.toUrl({ name: 'kudo' });
      const password = 'a-long-password-for-the-test';
      const env = {
        DATABASE_URL: databaseUrl,
        KUDO_DATA_DIR: join(work, 'data-postgresql'),
        KUDO_ADMIN_PASSWORD: password,
      };
      const first = await start({ env });
      expect(first.run.readOutput()).toContain(`migrations applied: ${postgresMigrationNames.join(', ')}`);
      const rows = await queryPostgres<{ migration_name: string }>({
        url: databaseUrl,
        sql: 'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name',
      });
      expect(rows.map((row) => row.migration_name)).toEqual(postgresMigrationNames);
      // The dashboard works on that database: the admin it seeds signs in, and is a user there.
      const signIn = await fetch(`${first.url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'admin', password }),
      });
      expect(signIn.status).toBe(200);
      const users = await queryPostgres<{ name: string }>({
        url: databaseUrl,
        sql: 'SELECT name FROM "User"',
      });
      expect(users.map(({ name }) => name)).toContain('admin');
      process.kill(first.run.child.pid ?? 0, 'SIGTERM');
      expect(await first.run.exited).toBe(0);

      const second = await start({ env });
      expect(second.run.readOutput()).toContain('up to date');
      process.kill(second.run.child.pid ?? 0, 'SIGTERM');
      expect(await second.run.exited).toBe(0);
    } finally {
      await postgres.stop();
    }
  });
});
