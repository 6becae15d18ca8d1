import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ENV } from "../../src/core/config.js";

// The deploy files (docs/install-systemd.md, docs/operations.md), checked without Docker or systemd:
// they parse, name only settings the server knows, and copy files that exist.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const read = (p: string) => readFileSync(join(repo, p), "utf8");
const KNOWN_ENV = new Set<string>(Object.values(ENV));

describe("compose.yaml", () => {
  const compose = parse(read("deploy/compose/compose.yaml")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: { context: string };
        environment?: Record<string, string>;
        volumes?: string[];
        depends_on?: Record<string, unknown>;
      }
    >;
  };
  const { services } = compose;

  it("runs MISP (official misp-core), its database and Redis, with this server as misp-modules", () => {
    expect(Object.keys(services).sort()).toEqual(["db", "misp-core", "misp-modules", "redis"]);
    expect(services["misp-core"]!.image).toMatch(/^ghcr\.io\/misp\/misp-docker\/misp-core:/);
    expect(existsSync(join(repo, "deploy/compose", services["misp-modules"]!.build!.context, "Dockerfile"))).toBe(true);
    expect(Object.keys(services["misp-core"]!.depends_on!)).toContain("misp-modules");
  });

  it("the server's environment names only known settings, listens for MISP and its debug posts", () => {
    const env = services["misp-modules"]!.environment!;
    for (const k of Object.keys(env)) expect(KNOWN_ENV.has(k), k).toBe(true);
    expect(env.MISP_MODULES_LISTEN).toBe("0.0.0.0");
    const core = services["misp-core"]!.environment!;
    expect(core.MODULES_URL).toBe("http://misp-modules");
    expect(core.MODULES_PORT).toBe(env.MISP_MODULES_PORT);
    expect(core.WORKFLOW_DEBUG_URL).toBe(`http://misp-modules:${env.MISP_MODULES_DEBUG_LISTEN!.split(":")[1]}`);
  });

  it("MISP's module settings are written on every start by the mounted customize script", () => {
    expect(services["misp-core"]!.volumes).toContain("./misp-custom/:/custom/:ro");
    const script = "deploy/compose/misp-custom/files/customize_misp.sh";
    expect(statSync(join(repo, script)).mode & 0o111).not.toBe(0);
    const text = read(script);
    for (const setting of [
      "Plugin.Enrichment_services_enable true",
      'Plugin.Enrichment_services_url "$URL"',
      'Plugin.Enrichment_services_port "$PORT"',
      "Plugin.Action_services_enable true",
      'Plugin.Action_services_url "$URL"',
      'Plugin.Action_services_port "$PORT"',
      "Plugin.Workflow_debug_url",
    ])
      expect(text).toContain(`set_setting ${setting}`);
    expect(spawnSync("bash", ["-n", join(repo, script)]).status).toBe(0);
  });
});

describe("systemd unit", () => {
  const unit = read("deploy/systemd/misp-modules-ts.service");
  const directives = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
  }
  const one = (k: string) => directives.get(k)?.[0];

  it("is hardened and restarts on failure", () => {
    expect(one("User")).toBe("misp-modules");
    expect(one("ProtectSystem")).toBe("strict");
    for (const k of ["NoNewPrivileges", "PrivateTmp", "ProtectHome"]) expect(one(k)).toBe("true");
    expect(one("CapabilityBoundingSet")).toBe("");
    expect(one("RestrictAddressFamilies")).toBe("AF_INET AF_INET6 AF_UNIX");
    expect(one("SystemCallFilter")).toBe("@system-service");
    expect(Number(one("LimitNOFILE"))).toBeGreaterThanOrEqual(4096);
    expect(one("Restart")).toBe("on-failure");
    expect(one("RestartSec")).toMatch(/^\d+s$/);
  });

  it("checks before starting, and the data directory is the one writable path", () => {
    expect(one("ExecStartPre")).toMatch(/dist\/cli\.js check$/);
    const dataDir = directives
      .get("Environment")!
      .find((e) => e.startsWith(`${ENV.dataDir}=`))!
      .split("=")[1];
    expect(one("ReadWritePaths")).toBe(dataDir);
    for (const e of directives.get("Environment")!) {
      const name = e.split("=")[0]!;
      if (name.startsWith("MISP_MODULES_")) expect(KNOWN_ENV.has(name), name).toBe(true);
    }
  });

  const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
  if (!analyze) console.warn("systemd-analyze not found: unit verified structurally only");
  it.skipIf(!analyze)("systemd-analyze verify finds nothing wrong in its directives", () => {
    const r = spawnSync("systemd-analyze", ["verify", join(repo, "deploy/systemd/misp-modules-ts.service")], { encoding: "utf8" });
    // Missing /opt/... or /usr/bin/node on the test machine is not the unit's fault.
    const problems = r.stderr.split("\n").filter((l) => l.trim() && !/is not executable|No such file|not found|Command .* is not/i.test(l));
    expect(problems).toEqual([]);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const pkg = JSON.parse(read("package.json")) as { files: string[]; bin: Record<string, string> };

  it("copies only paths that exist and that .dockerignore lets into the build context", () => {
    const ignored = new Set(
      read(".dockerignore")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
    let copies = 0;
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm))
      for (const src of m[1]!.split(/\s+/)) {
        copies++;
        expect(existsSync(join(repo, src)), src).toBe(true);
        expect(ignored.has(src.split("/")[0]!), src).toBe(false);
      }
    expect(copies).toBeGreaterThan(5);
  });

  it("ships everything package.json lists in files, and runs the built CLI", () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    for (const f of pkg.files) expect(runtime, f).toMatch(new RegExp(`^COPY .*\\b${f.replace(".", "\\.")}\\b`, "m"));
    expect(runtime).toMatch(/CMD \["node", "--max-semi-space-size=2", "dist\/cli\.js"\]/);
    expect(runtime).toMatch(/^USER node$/m);
    for (const m of dockerfile.matchAll(/\b(MISP_MODULES_[A-Z_]+)=/g)) expect(KNOWN_ENV.has(m[1]!), m[1]).toBe(true);
  });
});

// The main thread's V8 semi-space cannot be set from inside the process (docs/operations-runtime.md,
// "Memory"): every shipped way of starting the server passes the same flag.
describe("main-thread heap flag", () => {
  const flag = "--max-semi-space-size=2";
  it("is passed by the Dockerfile, the systemd unit, npm start and every bench (read from npm start)", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${flag} dist/cli.js`);
    expect(read("Dockerfile")).toContain(`CMD ["node", "${flag}", "dist/cli.js"]`);
    expect(read("deploy/systemd/misp-modules-ts.service")).toMatch(
      new RegExp(`^ExecStart=/usr/bin/node ${flag} /opt/misp-modules-ts/dist/cli\\.js$`, "m"),
    );
    // The benches take npm start's node flags (bench/lib.mjs, shippedNodeFlags).
    expect(read("bench/lib.mjs")).toMatch(
      /shippedNodeFlags = JSON\.parse\(readFileSync\(join\(repo, "package\.json"\)[^;]*\.scripts\.start/s,
    );
    expect(read("bench/lib.mjs")).toContain("nodeFlags = shippedNodeFlags");
  });
});

describe("install scripts", () => {
  // npm 12 runs a dependency's install script only when package.json's allowScripts names it;
  // without its script better-sqlite3 has no binary and the journal is off (docs/operations.md,
  // "Install scripts").
  it("every dependency with an install script in the lockfile is allowed by name", () => {
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const allowed = (JSON.parse(read("package.json")) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
    expect(withScripts).toContain("better-sqlite3");
    for (const name of withScripts) expect(allowed[name], name).toBe(true);
  });
});
