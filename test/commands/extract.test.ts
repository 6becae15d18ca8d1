/** `misp-modules-ts extract`: the command function and the real CLI entry. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runExtractCommand } from "../../src/commands/extract.js";
import { extract } from "../../src/engines/cakephp-hash/index.js";
import { sink } from "../helpers/sink.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = `${root}test/fixtures/roaming/event-publish-tlp-red.json`;

async function run(options: Parameters<typeof runExtractCommand>[0], stdinText?: string) {
  const stdin = new PassThrough();
  stdin.end(stdinText ?? "");
  const out = sink();
  const err = sink();
  const code = await runExtractCommand(options, { stdin, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe("extract command", () => {
  it("prints the extraction of a roaming fixture as JSON", async () => {
    const path = "Event._AttributeFlattened.{n}[type=/^ip-/].value";
    const result = await run({ path, data: fixture });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(extract(JSON.parse(readFileSync(fixture, "utf8")), path));
    expect(JSON.parse(result.stdout)).toEqual(["198.51.100.23", "203.0.113.77|8443"]);
  });

  it("reads stdin, keeps PHP key order and shapes, --compact prints one line", async () => {
    const result = await run({ path: "a", compact: true }, '{"a": {"b": {}, "12": 1.0, "3": [] }}');
    expect(result).toEqual({ code: 0, stdout: '{"b":[],"12":1,"3":[]}\n', stderr: "" });
  });

  it("a simple path to an object yields the object; an empty path the data", async () => {
    expect((await run({ path: "a", compact: true }, '{"a": {"x": 1}}')).stdout).toBe('{"x":1}\n');
    expect((await run({ path: "", compact: true }, '{"a": 1}')).stdout).toBe('{"a":1}\n');
  });

  it("evaluates every path CakePHP accepts; suspicious ones warn on stderr, --strict makes them exit 1", async () => {
    const data = '{"Tag": [{"id": "1", "colour": "#fff"}, {"id": "2", "colour": "#000"}]}';
    const lenient = await run({ path: "Tag.{n}[colour=#fff]id", compact: true }, data);
    expect(lenient.code).toBe(0);
    // CakePHP ignores "id" after the brackets: the tags themselves come back.
    expect(lenient.stdout).toBe('[{"id":"1","colour":"#fff"}]\n');
    expect(lenient.stderr).toMatch(/^warning: hash path "Tag\.\{n\}\[colour=#fff\]id", position 21: "id" after the conditions is ignored/);
    const strict = await run({ path: "Tag.{n}[colour=#fff]id", compact: true, strict: true }, data);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe("");
    expect(strict.stderr).toMatch(/1 warning\(s\) and --strict/);
    expect(await run({ path: "Tag.{n}.id", compact: true, strict: true }, data)).toEqual({ code: 0, stdout: '["1","2"]\n', stderr: "" });
  });

  it("an unclosed '[' or an uncompilable regex is evaluated like PHP does", async () => {
    const data = '{"a": [{"v": "x"}, "scalar"]}';
    const unclosed = await run({ path: "a.{n}[v=x", compact: true }, data);
    expect(unclosed).toMatchObject({ code: 0, stdout: '[{"v":"x"}]\n' });
    expect(unclosed.stderr).toMatch(/position 6: '\[' is never closed/);
    const badRegex = await run({ path: "a.{n}[v=/(ab/]", compact: true }, data);
    expect(badRegex.code).toBe(0);
    expect(badRegex.stdout).toBe("[]\n");
    expect(badRegex.stderr).toMatch(/warning \(PHP would warn too\): preg_match\(\): Compilation failed: missing closing parenthesis/);
    expect((await run({ path: "a.{n}[v=/(ab/]", strict: true }, data)).code).toBe(1);
  });

  it("a regex past its matching bound exits 1 naming the path, quickly", async () => {
    const started = Date.now();
    const result = await run({ path: "{n}[v=/^(a+)+$/].v" }, JSON.stringify([{ v: "a".repeat(30) + "!" }]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /hash path "\{n\}\[v=\/\^\(a\+\)\+\$\/\]\.v": the regular expression needs more than 1,000,000 matching steps/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("exits 1 for unreadable or invalid data and for paths PHP would abort on", async () => {
    expect((await run({ path: "a", data: "/nonexistent/file.json" })).stderr).toMatch(/cannot read data file/);
    expect((await run({ path: "a" }, "{nope")).stderr).toMatch(/not valid JSON/);
    const typeError = await run({ path: "{n}[v=/x/]" }, '[{"v": [1]}]');
    expect(typeError.code).toBe(1);
    expect(typeError.stderr).toMatch(/TypeError/);
  });

  it("is registered in the CLI (exit codes through the real entry point)", async () => {
    const spawnCli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
          cwd: root,
          env: { ...process.env, VITEST: "" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const ok = await spawnCli(["extract", "--path", "Event.Tag.{n}.name", "--data", fixture, "--compact"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(["tlp:red", "PAP:RED", 'misp-galaxy:threat-actor="Sofacy"', "my-custom:needs-review"]);
    const lenient = await spawnCli(["extract", "--path", "Event..info", "--data", fixture]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/empty key/);
    const strict = await spawnCli(["extract", "--strict", "--path", "Event..info", "--data", fixture]);
    expect(strict.code).toBe(1);
  });
});
