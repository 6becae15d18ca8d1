import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatFinding, runCheck, type Finding } from "../../src/commands/check.js";
import { freePort, runNode } from "../helpers/child-server.js";
import { haveRedis, redisNotice, startRedis } from "../helpers/redis-server.js";

// `misp-modules-ts check` (docs/operations.md, "check"): one finding per problem, real files,
// real sockets, a real redis-server where there is one.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mmts-check-"));
const SECRET_VALUE = "very-secret-token-value-991";

function writeJson(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
}

const HAVE_OPENSSL = spawnSync("openssl", ["version"]).status === 0;
if (!HAVE_OPENSSL) console.warn("openssl not found: the TLS findings of check are not tested");
/** A self-signed pair made with the openssl CLI. */
function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
  ]);
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key };
}

const has = (fs: Finding[], level: string, area: string, re: RegExp) =>
  fs.some((f) => f.level === level && f.area === area && re.test(f.message));

// Each run loads every module: slow on a loaded machine.
describe("check", { timeout: 240_000 }, () => {
  let open: Server;
  let openPort: number;
  let closedPort: number;
  beforeAll(async () => {
    open = createServer((s) => s.destroy());
    await new Promise<void>((r) => open.listen(0, "127.0.0.1", () => r()));
    openPort = (open.address() as AddressInfo).port;
    closedPort = await freePort();
  });
  afterAll(() => {
    open.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a value of the wrong type is an error and stops there", async () => {
    const fs = await runCheck({ config: writeJson("bad-type.json", { port: "eighty" }), env: {}, cwd: dir });
    expect(has(fs, "error", "config", /port/)).toBe(true);
    expect(fs.some((f) => f.area === "modules")).toBe(false);
  });

  it("finds unknown keys, unresolvable secrets, an unwritable data dir, Redis down, a broken module, a closed upstream", async () => {
    const custom = join(dir, "custom");
    mkdirSync(join(custom, "action"), { recursive: true });
    writeFileSync(join(custom, "action", "broken_on_load.ts"), 'throw new Error("this module cannot load");\n');
    // A regular file where a directory is needed: not writable whoever runs the test (root included).
    writeFileSync(join(dir, "a-file"), "");
    const [a, b] = HAVE_OPENSSL ? [selfSigned("a"), selfSigned("b")] : [];
    const config = writeJson("many.json", {
      prot: 6666,
      allowFrom: ["10.0.0.0/8", "not-an-address"],
      ...(a && b ? { tls: { cert: a.cert, key: b.key } } : {}),
      server: { bodyTimeoutMS: 5 },
      custom: [custom],
      console: { dataDir: join(dir, "a-file", "data") },
      outbox: { backend: "redis", redisUrl: `redis://127.0.0.1:${closedPort}` },
      modules: {
        webhook: { url: `http://127.0.0.1:${openPort}/hook?token=abc123`, api_key: "secret:MISSING_ONE" },
        mail: { smtp_host: "127.0.0.1", smtp_port: closedPort },
        chat: { token: "secret:PRESENT_ONE" },
      },
    });
    const fs = await runCheck({
      config,
      network: true,
      timeoutMs: 2000,
      cwd: dir,
      env: { MISP_MODULES_SECRET_PRESENT_ONE: SECRET_VALUE, MISP_MODULES_WATCH: "false" },
    });
    const text = fs.map(formatFinding).join("\n");
    expect(has(fs, "warn", "config", /unknown key "prot"/)).toBe(true);
    expect(has(fs, "warn", "config", /unknown key "server.bodyTimeoutMS"/)).toBe(true);
    expect(has(fs, "error", "config", /allowFrom: "not-an-address"/)).toBe(true);
    if (HAVE_OPENSSL) expect(has(fs, "error", "tls", /key values mismatch/)).toBe(true);
    expect(has(fs, "error", "secrets", /modules\.webhook\.api_key: unknown secret "MISSING_ONE"/)).toBe(true);
    expect(has(fs, "ok", "secrets", /modules\.chat\.token: secret:PRESENT_ONE resolves/)).toBe(true);
    expect(has(fs, "error", "data", /not writable: ENOTDIR/)).toBe(true);
    expect(has(fs, "error", "redis", new RegExp(`127\\.0\\.0\\.1:${closedPort} does not answer`))).toBe(true);
    expect(has(fs, "error", "modules", /broken_on_load.*this module cannot load/)).toBe(true);
    expect(has(fs, "ok", "network", new RegExp(`modules\\.webhook\\.url → 127\\.0\\.0\\.1:${openPort} reachable`))).toBe(true);
    expect(
      has(fs, "error", "network", new RegExp(`modules\\.mail\\.smtp_host → 127\\.0\\.0\\.1:${closedPort} unreachable: ECONNREFUSED`)),
    ).toBe(true);
    // Neither secret values nor URL paths/queries (which may carry tokens) are printed.
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain("abc123");
    expect(text).toMatch(/^error {2}modules {2}/m);
  });

  it.skipIf(!haveRedis)("a good configuration with a running redis-server: only ok findings", async () => {
    const redis = await startRedis();
    try {
      const tls = HAVE_OPENSSL ? { tls: selfSigned("good") } : {};
      const config = writeJson("good.json", {
        ...tls,
        console: { dataDir: join(dir, "data") },
        outbox: { backend: "redis", redisUrl: redis.url },
      });
      const fs = await runCheck({ config, cwd: dir, env: { MISP_MODULES_WATCH: "false" }, timeoutMs: 2000 });
      expect(fs.filter((f) => f.level !== "ok")).toEqual([]);
      expect(has(fs, "ok", "redis", /answered PING with PONG/)).toBe(true);
      expect(has(fs, "ok", "sqlite", /SQLite opens/)).toBe(true);
      expect(has(fs, "ok", "modules", /modules load/)).toBe(true);
      if (HAVE_OPENSSL) expect(has(fs, "ok", "tls", /certificate and key load/)).toBe(true);
    } finally {
      await redis.stop();
    }
  });
  if (!haveRedis) redisNotice("check against a real redis-server");

  it("the CLI prints one line per finding and exits 1 on errors, 2 on a usage error", async () => {
    const cli = (args: string[]) =>
      runNode(["--import", "tsx", "src/cli.ts", "check", ...args], {
        cwd: repo,
        env: { ...process.env, MISP_MODULES_WATCH: "false" },
      });
    const bad = await cli(["--config", writeJson("cli-bad.json", { deadlineMs: -1 })]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^error {2}config {4}invalid configuration: deadlineMs/m);
    const usage = await cli(["--no-such-flag"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/unknown option/);
  }, 180_000);
});
