import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { applyHeapGrowth, heapGrowthFlag } from "../../src/core/heap-growth.js";

// The bound on V8's heap growth (docs/operations-runtime.md, "Memory"): its default, its setting,
// and that setting it from inside a running process changes how far the heap grows.

const run = promisify(execFile);
const repo = new URL("../..", import.meta.url).pathname;

describe("heap growth bound", () => {
  it("defaults to 75 % and follows the setting; 0 sets nothing", () => {
    expect(loadConfig({ env: {} }).server.heapGrowthPercent).toBe(75);
    expect(loadConfig({ env: { MISP_MODULES_HEAP_GROWTH_PERCENT: "40" } }).server.heapGrowthPercent).toBe(40);
    const set: string[] = [];
    expect(applyHeapGrowth(75, (flag) => set.push(flag))).toBe("--heap-growing-percent=75");
    expect(applyHeapGrowth(0, (flag) => set.push(flag))).toBeUndefined();
    expect(set).toEqual(["--heap-growing-percent=75"]);
    expect(heapGrowthFlag(0)).toBeUndefined();
  });

  // A child keeps ~5 MB alive and churns objects that live long enough to reach the old
  // generation; the peak heap is what V8 let the garbage grow to.
  const child = `
    import { getHeapStatistics } from "node:v8";
    import { applyHeapGrowth } from "./src/core/heap-growth.ts";
    applyHeapGrowth(Number(process.argv[1]));
    const keep = Array.from({ length: 50 }, () => Array.from({ length: 10000 }, (_, i) => ({ i })));
    const ring = new Array(32).fill(null);
    let peak = 0;
    for (let n = 0; n < 1500; n++) {
      ring[n % 32] = Array.from({ length: 2000 }, (_, i) => ({ i, s: "x" + i }));
      if (n % 25 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
    }
    globalThis.keep = keep;
    process.stdout.write(String(peak));
  `;
  const peakMb = async (percent: number) => {
    const { stdout } = await run(
      process.execPath,
      ["--max-semi-space-size=1", "--import", "tsx", "--input-type=module", "-e", child, String(percent)],
      { cwd: repo },
    );
    return Number(stdout) / 2 ** 20;
  };

  it("set at run time, keeps the heap well below V8's own growth", async () => {
    const [free, bounded] = await Promise.all([peakMb(0), peakMb(75)]);
    // Measured: ~110 MB without, ~50 MB with the bound (the live set is ~5 MB).
    expect(bounded).toBeLessThan(free * 0.75);
  }, 60_000);
});
