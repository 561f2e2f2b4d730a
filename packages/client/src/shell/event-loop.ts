/**
 * The two event-loop calls the shells use that Node and browsers do not share (docs/client.md "In a
 * browser"): Node's timers are objects that can be unref'd (so a client's pending deadline does not keep a
 * process alive), a browser's are numbers; Node has `setImmediate` (run after pending I/O), browsers do
 * not. Both are used here in the form each host offers, so the shells run unchanged in a page.
 */

/** Lets a Node process exit while `timer` is pending; a browser's timer id has nothing to release. */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

/** Runs `task` after the work in progress and pending I/O: `setImmediate` in Node, a 0 ms timeout elsewhere. */
export function runSoon(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  if (immediate === undefined) setTimeout(task, 0);
  else immediate(task);
}
