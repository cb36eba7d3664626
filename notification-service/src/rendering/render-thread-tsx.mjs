// The render thread's entry under tsx (dev, tests): Node 20 does not carry the process's tsx
// loader into worker threads, so the thread registers it before loading the TypeScript source.
// Production runs dist/…/render-thread.js directly; tsx is a dev dependency.
import { register } from 'tsx/esm/api';

register();
await import('./render-thread.ts');
