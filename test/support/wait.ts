/** Waiting in tests: every wait is bounded in time (and in rounds). */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `stepMs` until it holds or `limitMs` has passed; whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, limitMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (let i = 0; i < 1_000_000 && Date.now() < end; i++) {
    if (await cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}
