import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, runNode, waitHealthy } from "../helpers/child-server.js";

// Starts the real CLI as a child process and talks HTTP to it.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const CLI = ["--import", "tsx", "src/cli.ts"];

describe("misp-modules-ts CLI", () => {
  it("--help documents the serve flags and their environment variables", async () => {
    const r = await runNode([...CLI, "--help"], { cwd: repo });
    expect(r.status).toBe(0);
    for (const s of [
      "-p, --port",
      "-l, --listen",
      "-c, --custom",
      "-d, --debug",
      "--config",
      "MISP_MODULES_PORT",
      "MISP_MODULES_LISTEN",
      "MISP_MODULES_CUSTOM",
      "MISP_MODULES_DEBUG",
      "MISP_MODULES_CONFIG",
      "6666",
      "127.0.0.1",
    ]) {
      expect(r.stdout).toContain(s);
    }
  }, 120_000);

  it("refuses a bad flag value with a clear message and exit code 1", async () => {
    const r = await runNode([...CLI, "-p", "eighty"], {
      cwd: repo,
      env: { ...process.env, MISP_MODULES_WATCH: "false" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--port must be an integer/);
  }, 120_000);

  describe("serving", () => {
    let child: ChildProcess;
    let url: string;
    let out = "";
    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      // The port comes from the environment, the address from a flag: both sources work.
      child = spawn(process.execPath, [...CLI, "-l", "127.0.0.1"], {
        cwd: repo,
        env: { ...process.env, MISP_MODULES_PORT: String(port), MISP_MODULES_WATCH: "false" },
      });
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      await waitHealthy(url, 60_000);
    }, 90_000);
    afterAll(async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    });

    it("serves /modules and /query like MISP expects", async () => {
      const mods = (await (await fetch(`${url}/modules`)).json()) as Array<{ name: string }>;
      expect(mods.map((m) => m.name)).toContain("testaction");
      const q = await fetch(`${url}/query`, { method: "POST", body: '{"module":"testaction","data":{}}' });
      expect(await q.json()).toEqual({ data: true });
    });

    it("logs JSON lines, including the listening line", () => {
      const listening = out
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === "misp-modules-ts listening");
      expect(listening).toMatchObject({ address: url, modules: expect.any(Number) });
    });

    it("shuts down cleanly on SIGTERM", async () => {
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    });
  });
});
