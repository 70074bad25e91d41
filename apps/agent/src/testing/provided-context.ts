/**
 * The values netcore's vitest global setup provides (`inject('runPrefix')`...). netcore declares them in its
 * global-setup.ts, which this package's typecheck does not include; an identical declaration merges with it.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    runPrefix: string;
    canRunNamespaceTests: boolean;
  }
}

export {};
