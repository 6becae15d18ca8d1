import { afterAll, describe, expect, it } from "vitest";
import { TemplatePool } from "../../../src/engines/jinja/pool.js";

// Idle render workers exit after idleMs and start again on the next render (their heaps are
// most of an idle server's memory; docs/operations-runtime.md, "Memory").

describe("template pool idle shrink", () => {
  const pool = new TemplatePool({ size: 2, idleMs: 150, timeoutMs: 60_000 });
  afterAll(() => pool.close());
  const render = (n: number) => pool.render(JSON.stringify({ template: "{{ n * 2 }}", data: { n } }));

  const waitFor = async (cond: () => boolean, ms: number) => {
    const until = Date.now() + ms;
    while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return cond();
  };

  it("shrinks to no worker when idle, and grows again for the next render", async () => {
    expect(await render(2)).toBe("4");
    expect(pool.stats().workers).toBe(2);
    expect(await waitFor(() => pool.stats().workers === 0, 10_000)).toBe(true);
    expect(await Promise.all([render(3), render(4)])).toEqual(["6", "8"]);
    expect(pool.stats().workers).toBe(2);
    // A render keeps them: the timer starts again after the last one.
    expect(await waitFor(() => pool.stats().workers === 0, 10_000)).toBe(true);
  }, 60_000);
});
