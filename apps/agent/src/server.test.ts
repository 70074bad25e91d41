import { describe, expect, it } from 'vitest';
import { isControlPlaneOnlyPath } from './server.js';

describe('isControlPlaneOnlyPath', () => {
  it.each([
    '/trpc/credentials.install',
    '/trpc/credentials.createRequest',
    '/trpc/health,credentials.install',
    '/trpc/health%2Ccredentials.install',
    '/trpc/%E0%A4%A',
  ])('reserves %s to the control plane', (path) => {
    expect(isControlPlaneOnlyPath(path)).toBe(true);
  });

  it.each(['/trpc/health', '/trpc/setupNode,health', '/metrics', '/credentials.install'])(
    'lets a token holder call %s',
    (path) => {
      expect(isControlPlaneOnlyPath(path)).toBe(false);
    },
  );
});
