import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mispPost } from "../console/helpers.js";
import { type CliServer, startCliServer } from "../sdk/cli-server.js";

// `serve` listens for MISP's workflow debug stream on MISP's default URL, 127.0.0.1:27051, unless
// told otherwise (docs/console.md, "Debug receiver"). A port already taken leaves the server up,
// the main-port receiver working, and says so. Every other test server runs with the listener
// off (vitest.config.ts), so this file is the only one that asks for 27051.

const MISP_PORT = 27051;
const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "mmts-debug-listen-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Holds 127.0.0.1:PORT; undefined when something else already holds it. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

interface Status {
  debugUrl: string;
  debugListen: string | null;
  debugListenError: string | null;
}
const status = (s: CliServer) => s.get("/console/api/status") as Promise<Status>;
/** Serve with nothing said about the listener: the variable the test suite sets is taken away. */
const serveWithDefaults = (args: string[] = []) =>
  startCliServer(["--data-dir", dataDir(), ...args], { MISP_MODULES_DEBUG_LISTEN: undefined, MISP_MODULES_WATCH: "false" });

describe("the debug listener's default", () => {
  it("on MISP's port when it is free: a run posted to MISP's default URL is in the journal", async () => {
    const probe = await hold(MISP_PORT);
    if (!probe) {
      console.warn(`notice: 127.0.0.1:${MISP_PORT} is in use on this machine; the default listener's own test is skipped`);
      return;
    }
    await new Promise<void>((r) => probe.close(() => r()));
    const s = await serveWithDefaults();
    try {
      await s.waitForLog((l) => l.msg === "workflow debug receiver listening" && l.address === `127.0.0.1:${MISP_PORT}`);
      const st = await status(s);
      expect(st.debugListen).toBe(`http://127.0.0.1:${MISP_PORT}`);
      expect(st.debugListenError).toBeNull();
      const misp = `http://127.0.0.1:${MISP_PORT}`;
      const source = { node_id: "", module_id: "", filters: "", parameters: "" };
      const init = { source, timestamp: "t", data: { original: {}, normalized: {} } };
      expect((await mispPost(misp, "/event-publish/init?type=blocking", init)).status).toBe(200);
      const end = { source, timestamp: "t", data: { executed_nodes: [] } };
      expect((await mispPost(misp, "/event-publish/end?outcome=success", end)).status).toBe(200);
      // The listener answers before it hands the post over: the run may take a moment to close.
      let run: { trigger: string; outcome: string | null } | undefined;
      for (
        const until = Date.now() + 10_000;
        Date.now() < until && run?.outcome !== "success";
        await new Promise((r) => setTimeout(r, 100))
      )
        run = ((await s.get("/console/api/runs")) as { items: Array<{ trigger: string; outcome: string | null }> }).items[0];
      expect(run).toMatchObject({ trigger: "event-publish", outcome: "success" });
    } finally {
      await s.stop();
    }
  }, 90_000);

  it("with MISP's port taken: the server starts, says why, and receives on the main port", async () => {
    // Taken by us, or already by something else on this machine: the same case for the server.
    const holder = await hold(MISP_PORT);
    const s = await serveWithDefaults();
    try {
      const line = await s.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("workflow debug listener not started"));
      expect(line).toMatchObject({ level: 40, address: `127.0.0.1:${MISP_PORT}` });
      expect(String(line.reason)).toMatch(/EADDRINUSE/);
      const st = await status(s);
      expect(st.debugListen).toBeNull();
      expect(st.debugListenError).toMatch(/^127\.0\.0\.1:27051: .*EADDRINUSE/);
      expect(((await s.get("/healthcheck")) as { status: boolean }).status).toBe(true);
      // The main-port receiver still answers MISP.
      expect((await mispPost(s.url, "/workflow-debug/event-publish/init?type=blocking", { data: {} })).status).toBe(200);
    } finally {
      await s.stop();
      await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()));
    }
  }, 90_000);

  it('"off" starts no listener and reports none', async () => {
    const s = await startCliServer(["--data-dir", dataDir(), "--debug-listen", "off"], { MISP_MODULES_WATCH: "false" });
    try {
      const st = await status(s);
      expect(st.debugListen).toBeNull();
      expect(st.debugListenError).toBeNull();
      expect(s.logs.some((l) => String(l.msg).startsWith("workflow debug"))).toBe(false);
    } finally {
      await s.stop();
    }
  }, 90_000);

  it("a malformed address is a configuration error", async () => {
    await expect(startCliServer(["--data-dir", dataDir(), "--debug-listen", "localhost"], {})).rejects.toThrow(
      /debugListen must be HOST:PORT or "off"/,
    );
  }, 90_000);
});
