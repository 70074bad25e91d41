import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from './throwaway-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The provider the control plane's tests run on in this project (unset: SQLite). */
    databaseProvider: 'sqlite' | 'postgresql';
    /** The throwaway cluster's `postgres` database (tests create a database of their own in it). */
    postgresUrl: string;
  }
}

/** The PostgreSQL projects' setup: one throwaway cluster for the run, stopped and removed after it. */
export default async function setup(project: TestProject) {
  const postgres = await startThrowawayPostgres();
  project.provide('databaseProvider', 'postgresql');
  project.provide('postgresUrl', postgres.toUrl({ name: 'postgres' }));
  return () => postgres.stop();
}
