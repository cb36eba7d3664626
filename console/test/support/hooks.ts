import { stopConsoleSystem } from './system.js';

/** Mocha root hooks: the system the browser tests share is stopped once, after every file. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopConsoleSystem();
  },
};
