/**
 * `npm start`: installs what is missing and runs the main job in a sandbox. Until the dashboard lands,
 * that is the netcore demo (scripts/demo.ts) in a lab of its own, removed at the end.
 */
import { ensureSystemPackages, requireRoot } from './system-deps.js';

requireRoot({ what: 'npm start' });
ensureSystemPackages();
await import('./demo.js');
