import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// `misp-modules-ts render` as a user runs it: a real process, files on disk, stdin, exit codes.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = join(ROOT, "test/fixtures/roaming/event-publish-tlp-red.json");
const dir = mkdtempSync(join(tmpdir(), "render-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "render", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const event = JSON.parse(readFileSync(FIXTURE, "utf8")) as {
  Event: { id: string; info: string; _AttributeFlattened: Array<{ type: string; value: string }> };
};

describe("render command", () => {
  it("prints the rendering of a template over a roaming-data file", async () => {
    const template = file(
      "loop.j2",
      "Event {{ Event.id }}: {{ Event.info }}\n{% for a in Event._AttributeFlattened %}{{ a.type }}={{ a.value }}\n{% endfor %}",
    );
    const run = await cli(["--template", template, "--data", FIXTURE]);
    const expected =
      `Event ${event.Event.id}: ${event.Event.info}\n` + event.Event._AttributeFlattened.map((a) => `${a.type}=${a.value}\n`).join("");
    expect(run).toEqual({ code: 0, stdout: expected, stderr: "" });
  });

  it("reads the data from stdin with --data -", async () => {
    const template = file("stdin.j2", "{{ Event.info|upper }}");
    const run = await cli(["--template", template, "--data", "-"], JSON.stringify({ Event: { info: "from stdin" } }));
    expect(run).toEqual({ code: 0, stdout: "FROM STDIN", stderr: "" });
  });

  it("reads the data file as the module reads MISP's data (1.0 stays a float)", async () => {
    const template = file("floats.j2", "{{ Event.score }}|{{ Event.ids }}");
    const data = file("floats.json", '{"Event": {"score": 1.0, "ids": {"9": "x", "2": "y"}}}\n');
    const run = await cli(["--template", template, "--data", data]);
    expect(run).toEqual({ code: 0, stdout: "1.0|{'9': 'x', '2': 'y'}", stderr: "" });
  });

  it("reports a syntax error with line and column on stderr, exit 1", async () => {
    const template = file("broken.j2", "line one\n{% for a in Event._AttributeFlattened %}{{ a.value }\n{% endfor %}");
    const run = await cli(["--template", template, "--data", FIXTURE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/line 2/);
    expect(run.stderr).toMatch(/column \d+/);
  });

  it("reports unreadable template files and invalid data files, exit 1", async () => {
    const missing = await cli(["--template", join(dir, "does-not-exist.j2"), "--data", FIXTURE]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read template file .*does-not-exist\.j2/);

    const template = file("ok.j2", "{{ x }}");
    const badData = await cli(["--template", template, "--data", file("bad.json", '{"x": ')]);
    expect(badData.code).toBe(1);
    expect(badData.stderr).toMatch(/bad\.json is not valid JSON/);
    expect(badData.stdout).toBe("");
  });

  it("renders with an empty context without --data, and requires --template", async () => {
    const template = file("nodata.j2", "[{{ Event is defined }}]");
    expect(await cli(["--template", template])).toEqual({ code: 0, stdout: "[False]", stderr: "" });
    const missing = await cli(["--data", FIXTURE]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--template/);
  });

  it("stops a runaway template and exits 1", async () => {
    const template = file("runaway.j2", "{% for i in range(10**6) %}{% for j in range(10**6) %}x{% endfor %}{% endfor %}");
    const started = performance.now();
    const run = await cli(["--template", template, "--timeout-ms", "500"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/limit/i);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
