import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand, runsCommand } from "../../src/commands/console.js";
import { playPublish, startConsoleApp, type ConsoleTestApp } from "../console/helpers.js";

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return { stream, text: () => out };
}

const TOKEN = "cli-console-token-0123456789";
let t: ConsoleTestApp;
beforeAll(async () => {
  t = await startConsoleApp({ token: TOKEN });
});
afterAll(() => t.close());

describe("runs and replay commands", () => {
  it("`runs` lists runs and queries, filtered by module, outcome and time", async () => {
    await t.query({ module: "testaction", data: {}, params: { foo: "a" } });
    await t.query({ module: "no_such_module" });
    await playPublish(t.url, "/workflow-debug", {}, [{ nodeId: 1, moduleId: "testaction", result: "success" }], "success");
    await new Promise((r) => setTimeout(r, 50));
    const all = sink();
    expect(await runsCommand({ url: t.url, token: TOKEN }, { since: "1h" }, { stdout: all.stream, stderr: all.stream })).toBe(0);
    expect(all.text()).toMatch(/RUNS\n#\d+\t\S+\tevent-publish\tblocking\t1 nodes\t0 errors\tsuccess/);
    expect(all.text()).toMatch(/testaction\tok/);
    const errors = sink();
    await runsCommand({ url: t.url, token: TOKEN }, { outcome: "unknown_module" }, { stdout: errors.stream, stderr: errors.stream });
    expect(errors.text()).toMatch(/no_such_module\tunknown_module/);
    expect(errors.text()).not.toMatch(/testaction/);
    await expect(runsCommand({ url: t.url }, {}, { stdout: all.stream, stderr: all.stream })).rejects.toThrow(/authentication required/);
  });

  it("`replay` replays a recorded query with an edited parameter and prints old and new replies", async () => {
    const list = await t.api<{ items: Array<{ id: number; module: string }> }>("/queries?module=testaction", undefined, {
      authorization: `Bearer ${TOKEN}`,
    });
    const id = list.body.items[0]!.id;
    const out = sink();
    expect(await replayCommand({ url: t.url, token: TOKEN }, String(id), ["foo=b"], { stdout: out.stream, stderr: out.stream })).toBe(0);
    expect(JSON.parse(out.text())).toMatchObject({ old: { data: true }, new: { data: true }, status: 200 });
    const latest = await t.api<{ items: Array<{ replayOf: number; params: { foo: string } }> }>("/queries?limit=1", undefined, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(latest.body.items[0]).toMatchObject({ replayOf: id, params: { foo: "b" } });
    await expect(replayCommand({ url: t.url, token: TOKEN }, "999999", [], { stdout: out.stream, stderr: out.stream })).rejects.toThrow(
      /no recorded query/,
    );
    await expect(replayCommand({ url: t.url, token: TOKEN }, "abc", [], { stdout: out.stream, stderr: out.stream })).rejects.toThrow(
      /number/,
    );
  });
});
