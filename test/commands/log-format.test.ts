import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, waitHealthy } from "../helpers/child-server.js";

// The real CLI with --log-format pretty on a pipe (not a terminal): the flag wins over auto.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "pretty-log-secret-4711";

describe("--log-format", () => {
  it("pretty forces lines for people on a pipe; a secret-named value stays redacted", { timeout: 240_000 }, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "-p", String(port), "--log-format", "pretty"], {
      cwd: repo,
      env: { ...process.env, MISP_MODULES_WATCH: "false", MISP_MODULES_CONSOLE: "0", MISP_MODULES_OUTBOX: "off", NO_COLOR: "1" },
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await waitHealthy(`http://127.0.0.1:${port}`, 200_000, child);
      // A query whose parameters carry a credential-named key; logged at info without params,
      // the module's failure text is what reaches the log.
      await fetch(`http://127.0.0.1:${port}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ module: "no_such_module", params: { api_key: SECRET } }),
      });
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    const lines = out.split("\n").filter(Boolean);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  misp-modules-ts listening address=http:\/\/127\.0\.0\.1:\d+ /.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} WARN  query .*module=no_such_module/.test(l))).toBe(true);
    expect(out).not.toContain('{"level"');
    expect(out).not.toContain("\x1b[");
    expect(out).not.toContain(SECRET);
  });
});
