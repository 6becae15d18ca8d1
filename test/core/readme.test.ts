import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinRoot, loadRoot } from "../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../src/core/registry/registry.js";
import { moduleTableMarkdown, serverSettingKeys } from "../../src/core/introspection/module-table.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(repo, "README.md"), "utf8");

// The README's module list is generated from the modules' declarations; this keeps it in sync.
describe("README", () => {
  it("lists every built-in module with its current parameters (regenerate with `misp-modules-ts modules --markdown`)", async () => {
    const registry = new ModuleRegistry();
    const log = { info() {}, warn() {}, error() {} };
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log });
    const section = /<!-- modules:start -->\n([\s\S]*?)\n<!-- modules:end -->/.exec(readme)?.[1];
    expect(section).toBe(
      moduleTableMarkdown(
        registry.all().map((m) => m.descriptor),
        serverSettingKeys(registry.all()),
      ),
    );
  });
});

// ---- The documented commands, run as written.

interface DocCommand {
  file: string;
  /** The command line, continuation lines joined. */
  command: string;
  /** The documented output (the `# ...` line after the command), without its explanation in brackets. */
  expected?: string;
  /** The explanation after the output, e.g. "(exit status 1: ...)". */
  note?: string;
}

/** Commands of the ```sh blocks of the README and docs/*.md, with the output documented below them. */
function documentedCommands(): DocCommand[] {
  const files = [
    "README.md",
    ...readdirSync(join(repo, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const out: DocCommand[] = [];
  for (const file of files) {
    const text = readFileSync(join(repo, file), "utf8");
    for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
      const lines = block[1]!.split("\n");
      let current: DocCommand | undefined;
      for (let i = 0; i < lines.length; i++) {
        let line = lines[i]!;
        if (line.startsWith("# ") && current && current.expected === undefined) {
          const m = /^# (.*?)(?:\s{2,}\((.*)\))?\s*$/.exec(line)!;
          current.expected = m[1];
          current.note = m[2];
          continue;
        }
        if (line.trim() === "" || line.startsWith("#")) continue;
        while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + " " + lines[++i]!.trim();
        current = { file, command: line.trim() };
        out.push(current);
      }
    }
  }
  return out;
}

const all = documentedCommands();
// Runnable offline as written: our commands on the shipped example events (no server, no custom root).
const offline = all.filter(
  (c) =>
    /(^|\| )misp-modules-ts (query|extract|render) /.test(c.command) &&
    c.command.includes("examples/roaming/") &&
    !/--url | -c /.test(c.command),
);
const unique = [...new Map(offline.map((c) => [c.command, c])).values()];
// Curl lines against a local server.
const curls = all.filter((c) => c.file === "README.md" && c.command.startsWith("curl -s ") && c.command.includes("127.0.0.1:6666"));

// What is checked is what the commands print, not their speed: on a busy machine a cold worker
// thread (sources compiled by tsx) can exceed the 2 s render limit or the 9 s deadline, and the
// jinja parameters would then render empty, as they would in MISP.
const GENEROUS_LIMITS = {
  MISP_MODULES_WATCH: "false",
  MISP_MODULES_DEADLINE_MS: "120000",
  MISP_MODULES_JINJA_TEMPLATE_RENDERING_TIMEOUT_MS: "60000",
};

/** Splits "cmd   # comment" into the command and the trailing comment. */
function splitComment(command: string): { command: string; comment?: string } {
  const m = /^(.*?)\s{2,}# (.*)$/.exec(command);
  return m ? { command: m[1]!, comment: m[2] } : { command };
}

describe("documented commands", () => {
  let cwd: string;
  beforeAll(() => {
    // Another folder than the checkout: examples/... must be found in the package, as for a user
    // who installed it.
    cwd = mkdtempSync(join(tmpdir(), "readme-commands-"));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("the docs show offline commands to run, with outputs", () => {
    expect(unique.length).toBeGreaterThanOrEqual(5);
    expect(unique.filter((c) => c.expected !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(curls.length).toBe(3);
  });

  it("point at the example events shipped with the package, not at test fixtures", () => {
    const stale = all.filter((c) => c.command.includes("test/fixtures/")).map((c) => `${c.file}: ${c.command}`);
    expect(stale).toEqual([]);
  });

  it.concurrent.each(unique.map((c) => [c.command.slice(0, 90), c] as const))(
    "%s",
    async (_, doc) => {
      const { command } = splitComment(doc.command);
      // The documented command is run by bash as written; misp-modules-ts is the package's bin script
      // (in a checkout it runs the sources through tsx).
      const script = `misp-modules-ts() { node ${JSON.stringify(join(repo, "bin/misp-modules-ts.js"))} "$@"; }\n${command}`;
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile("bash", ["-c", script], { cwd, env: { ...process.env, ...GENEROUS_LIMITS }, timeout: 120_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
      });
      const failsInMisp = /exit status 1/.test(doc.note ?? "");
      expect(r.code, `${doc.file}: ${command}\n${r.stderr}`).toBe(failsInMisp ? 1 : 0);
      if (doc.expected === undefined) {
        // No output documented: a request body or reply, as JSON.
        expect(() => JSON.parse(r.stdout)).not.toThrow();
      } else if (/^[[{]/.test(doc.expected)) {
        expect(JSON.parse(r.stdout), `${doc.file}: ${command}`).toEqual(JSON.parse(doc.expected));
      } else {
        expect(r.stdout.trim(), `${doc.file}: ${command}`).toBe(doc.expected.trim());
      }
    },
    150_000,
  );

  describe("curl against the server", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it.each(curls.map((c) => [c.command.slice(0, 70), c] as const))("%s", async (_, doc) => {
      const { command, comment } = splitComment(doc.command);
      const m = /^curl -s (?:-d '(.*)' )?http:\/\/127\.0\.0\.1:6666(\/\S*)/.exec(command)!;
      expect(m, command).not.toBeNull();
      const [, body, path] = m;
      const res = await fetch(
        `${t.url}${path}`,
        body === undefined ? {} : { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body },
      );
      expect(res.status).toBe(200);
      const text = await res.text();
      if (comment === undefined) {
        expect(() => JSON.parse(text)).not.toThrow();
      } else if (comment.endsWith(",...}")) {
        // "{"status":true,...}": the reply starts like this.
        expect(text.startsWith(comment.slice(0, -"...}".length))).toBe(true);
      } else {
        expect(JSON.parse(text)).toEqual(JSON.parse(comment));
      }
    });
  });
});

describe("example events", () => {
  it("examples/roaming holds the same events as the test fixtures, byte for byte", () => {
    const shipped = readdirSync(join(repo, "examples/roaming"))
      .filter((f) => f.endsWith(".json"))
      .sort();
    const fixtures = readdirSync(join(repo, "test/fixtures/roaming"))
      .filter((f) => f.endsWith(".json"))
      .sort();
    expect(shipped).toEqual(fixtures);
    for (const f of shipped)
      expect(readFileSync(join(repo, "examples/roaming", f), "utf8"), f).toBe(readFileSync(join(repo, "test/fixtures/roaming", f), "utf8"));
  });

  it("are shipped in the npm package and the Docker image", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("examples");
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toMatch(/^COPY .*examples \.\/examples$/m);
    expect(readFileSync(join(repo, ".dockerignore"), "utf8").split("\n")).not.toContain("examples");
  });
});
