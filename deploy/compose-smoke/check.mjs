// How a check of flow.mjs reports: a line of output, a failure with its reason, and a wait with a
// time limit. A Failure stops the check at once; any other error inside a wait is retried.
export const out = (line) => process.stdout.write(`    ${line}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export class Failure extends Error {}
export const fail = (message) => { throw new Failure(message); };
export async function until(what, fn, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last && !(last instanceof Error)) return last;
    } catch (error) {
      if (error instanceof Failure) throw error;
      last = error;
    }
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await sleep(everyMs);
  }
}
