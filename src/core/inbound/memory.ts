import { fullGc } from "../full-gc.js";

// Gives memory back after large bodies. Their bytes and parsed objects are garbage once
// answered, but an idle process allocates nothing, so V8 does not collect: after a burst of
// 20 MB bodies the process kept ~900 MB for as long as it stayed idle. Once large bodies stop
// coming for a moment, one full collection frees them (their Buffers go back to the C heap
// and V8 returns its emptied pages).

/** Collect after this much large-body traffic... */
const COLLECT_AFTER_BYTES = 32 * 1024 * 1024;
/** ...once no large body has come for this long. */
const QUIET_MS = 1500;

let pendingBytes = 0;
let timer: NodeJS.Timeout | undefined;
/**
 * Notes a large body that has been answered; a collection follows once no large body has
 * been answered for a moment and `busy()` (large bodies still held) is false: a full
 * collection while one is being parsed would stall the event loop for no gain.
 */
export function afterLargeBody(bytes: number, busy: () => boolean): void {
  pendingBytes += bytes;
  if (pendingBytes < COLLECT_AFTER_BYTES) return;
  clearTimeout(timer);
  const collect = () => {
    if (busy()) {
      timer = setTimeout(collect, QUIET_MS);
      timer.unref();
      return;
    }
    timer = undefined;
    pendingBytes = 0;
    fullGc()?.();
  };
  timer = setTimeout(collect, QUIET_MS);
  timer.unref();
}
