import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCliServer, type CliServer } from "../sdk/cli-server.js";
import { tempModuleRoot, writeModule } from "../sdk/module-files.js";

// The serve command keeps the process alive through errors no request owns. With isolation off
// (MISP_MODULES_ISOLATION=none) a custom module's stray throw or rejection reaches the server's own
// process: it must be logged, bounded and scrubbed, and the server must keep answering.

const SECRET = "pg-secret-value-4471";

describe("serve survives stray exceptions and rejections from in-process modules", () => {
  const tmp = tempModuleRoot("mmts-guards-");
  let server: CliServer;
  beforeAll(async () => {
    writeModule(
      tmp.root,
      "action/stray_inproc.mjs",
      `import { defineActionModule, param } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "throws outside its queries" },
  params: { mode: param.string({ default: "ok" }) },
  handler({ params }, ctx) {
    if (params.mode === "throw") setTimeout(() => { throw new Error("timer boom " + ctx.setting("api_token") + " " + "x".repeat(10000)); }, 5);
    if (params.mode === "reject") Promise.reject(new Error("forgotten rejection"));
    if (params.mode === "throw-odd") setTimeout(() => { throw { stack: 42, note: "not an Error" }; }, 5);
    return { data: params.mode };
  },
});
`,
    );
    server = await startCliServer(["-c", tmp.root], {
      MISP_MODULES_ISOLATION: "none",
      MISP_MODULES_WATCH: "false",
      MISP_MODULES_STRAY_INPROC_API_TOKEN: SECRET,
    });
  });
  afterAll(async () => {
    await server?.stop();
    tmp.remove();
  });

  it("logs each error once, bounded and without secrets, and keeps serving", async () => {
    const isolated = ((await server.get("/healthcheck")) as { modules: { isolated?: unknown[] } }).modules.isolated;
    expect(isolated).toEqual([]);
    for (const mode of ["throw", "reject", "throw-odd"]) {
      expect(await server.query({ module: "stray_inproc", data: {}, params: { mode } })).toEqual({ data: mode });
      await new Promise((r) => setTimeout(r, 50));
    }
    const timer = await server.waitForLog(
      (l) => /uncaught exception outside any request/.test(String(l.msg)) && /timer boom/.test(String(l.err)),
    );
    expect(String(timer.err)).toContain("timer boom ***");
    expect(String(timer.err).length).toBeLessThan(2100);
    await server.waitForLog((l) => /unhandled promise rejection/.test(String(l.msg)) && /forgotten rejection/.test(String(l.err)));
    await server.waitForLog((l) => /uncaught exception/.test(String(l.msg)) && /not an Error/.test(String(l.err)));
    expect(JSON.stringify(server.logs)).not.toContain(SECRET);
    expect(await server.query({ module: "stray_inproc", data: {}, params: { mode: "ok" } })).toEqual({ data: "ok" });
    expect(await server.query({ module: "testaction", data: {}, params: {} })).toEqual({ data: true });
  });
});
