/**
 * `misp-modules-ts query`: the exact body MISP would send (--print-request), in-process runs
 * (built-in and custom modules), and runs against a live server with --url.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, parsePhpJson, phpJsonEncode } from "../../src/engines/cakephp-hash/index.js";
import { closeTemplatePool } from "../../src/engines/jinja/pool.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { runQuery as run } from "../helpers/query-command.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = join(root, "test/fixtures/roaming/event-publish-tlp-red.json");
const fixtureText = readFileSync(fixture, "utf8");

// A custom module that replies with the request it received (minus the bulky data).
const ECHO_MODULE = `
import { defineActionModule, param, ModuleError } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "Echoes its request (test)." },
  supportFilters: true,
  params: {
    "Data extraction path": param.hashPath(),
    greeting: param.template({ multiline: false }),
    fail: param.string(),
  },
  handler({ request, params }) {
    if (params.fail !== "") throw new ModuleError("asked to fail: " + params.fail);
    const { data, ...rest } = request;
    return { data: { ...rest, dataKeys: Object.keys(data ?? {}) } };
  },
});
`;

let customRoot: string;
let server: TestApp;

beforeAll(async () => {
  customRoot = mkdtempSync(join(tmpdir(), "query-cli-"));
  mkdirSync(join(customRoot, "action"));
  writeFileSync(join(customRoot, "action", "echo_request.ts"), ECHO_MODULE);
  server = await startTestApp({ custom: [customRoot] });
  // Start the Jinja worker pool now, so a slow first worker start under load cannot eat the render deadline.
  await server.query({ module: "jinja_template_rendering", text: JSON.stringify({ template: "warm", data: {} }) });
});

afterAll(async () => {
  await server?.close();
  await closeTemplatePool(); // started by jinja_template_rendering in this process
  rmSync(customRoot, { recursive: true, force: true });
});

describe("query --print-request (built-in testaction, in-process)", { timeout: 120_000 }, () => {
  it("builds the body MISP sends: data as decoded by PHP, slugged params, matchingData by label", async () => {
    const path = "Event._AttributeFlattened.{n}[type=/^ip-/].value";
    const result = await run({
      module: "testaction",
      data: fixture,
      params: [`Data extraction path=${path}`],
      printRequest: true,
      compact: true,
    });
    expect(result.code).toBe(0);
    const expected = {
      module: "testaction",
      data: parsePhpJson(fixtureText),
      params: { foo: "", data_extraction_path: path },
      matchingData: { "Data Extraction Path": extract(JSON.parse(fixtureText), path) },
    };
    expect(result.stdout).toBe(phpJsonEncode(expected) + "\n");
  });
});

describe("query against a running server (--url)", () => {
  it("runs testaction and prints the reply", async () => {
    const result = await run({ module: "testaction", data: fixture, params: ["foo=bar"], url: server.url });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ data: true });
  });

  it("sends filteredItems with original positions, pre-renders jinja parameters, whole data for an empty hash path", async () => {
    const result = await run({
      module: "echo_request",
      data: fixture,
      url: server.url,
      params: ["greeting=Event {{ Event.id }}"],
      filter: "selector=Event._AttributeFlattened.{n},operator=in,value=tlp:amber,path=Tag.{n}.name",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const echoed = JSON.parse(result.stdout).data as Record<string, unknown>;
    expect(echoed.module).toBe("echo_request");
    expect(echoed.dataKeys).toEqual(["Event"]);
    expect(JSON.stringify(echoed.params)).toBe(JSON.stringify({ data_extraction_path: "", greeting: "Event 1201", fail: "" }));
    const roaming = JSON.parse(fixtureText);
    expect((echoed.matchingData as Record<string, unknown>)["Data Extraction Path"]).toEqual(roaming);
    const flattened = roaming.Event._AttributeFlattened as Array<Record<string, unknown>>;
    expect(echoed.filteredItems).toEqual({ 1: flattened[1], 8: flattened[8] });
  });

  it("with no filter and --no-jinja, filteredItems is the whole data and templates go raw", async () => {
    const result = await run({
      module: "echo_request",
      data: fixture,
      url: server.url,
      params: ["greeting={{ Event.id }}"],
      noJinja: true,
      printRequest: true,
      compact: true,
    });
    const body = JSON.parse(result.stdout);
    expect(body.filteredItems).toEqual(JSON.parse(fixtureText));
    expect(body.params.greeting).toBe("{{ Event.id }}");
    expect(Object.keys(body)).toEqual(["module", "data", "filteredItems", "params", "matchingData"]);
  });

  it("exits 1 and prints the reply when the node would fail in MISP", async () => {
    const result = await run({ module: "echo_request", data: fixture, url: server.url, params: ["fail=now"] });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatch(/asked to fail: now/);
    expect(result.stderr).toMatch(/the node fails in MISP with/);
  });
});

describe("query errors", () => {
  it("unknown module, unknown parameter, non-action module", async () => {
    const unknown = await run({ module: "nope", data: fixture, url: server.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/"nope" is not listed by the server; action modules: .*testaction/);
    const badParam = await run({ module: "testaction", data: fixture, url: server.url, params: ["bar=1"] });
    expect(badParam.stderr).toMatch(
      /has no parameter "bar"; its parameters: "foo" \(id foo\), "Data extraction path" \(id data_extraction_path\)/,
    );
    const expansion = await run({ module: "jinja_template_rendering", data: fixture, url: server.url });
    expect(expansion.stderr).toMatch(/not an action module/);
  });

  it("a template that fails to render is sent empty, as MISP does, with a warning saying why", async () => {
    const result = await run({
      module: "echo_request",
      data: fixture,
      url: server.url,
      params: ["greeting=Hello {{ Event.info"],
      printRequest: true,
      compact: true,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).params.greeting).toBe("");
    expect(result.stderr).toMatch(/warning: jinja_template_rendering failed \(MISP would send the empty text on\): .*line 1/);
  });

  it("a path PHP would abort on is reported, not sent", async () => {
    const result = await run({
      module: "testaction",
      data: fixture,
      url: server.url,
      params: ["Data extraction path=Event[Attribute=/x/]"],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TypeError/);
  });

  it("suspicious hash paths in parameters and filters are evaluated and warned about, like extract does", async () => {
    const result = await run({
      module: "echo_request",
      data: fixture,
      url: server.url,
      params: ["Data extraction path=Event.Tag.{n}[colour=#CC0033]name"],
      filter: "selector=Event._AttributeFlattened.{n},operator=in,value=tlp:amber,path=Tag..name",
      printRequest: true,
      compact: true,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /warning: parameter "Data extraction path" hash path "Event\.Tag\.\{n\}\[colour=#CC0033\]name", position 30: "name" after the conditions is ignored/,
    );
    expect(result.stderr).toMatch(/warning: filter path hash path "Tag\.\.name", position 5: empty key/);
    const body = JSON.parse(result.stdout);
    // CakePHP ignores "name": the matching tag objects themselves are extracted.
    expect(body.matchingData["Data Extraction Path"]).toEqual([expect.objectContaining({ name: "tlp:red", colour: "#CC0033" })]);
  });

  it("a hash-path regex past its bound is an error naming the parameter and path", async () => {
    const started = Date.now();
    const dataFile = join(customRoot, "backtracking.json");
    writeFileSync(dataFile, JSON.stringify({ Event: { info: "a".repeat(30) + "!" } }));
    const result = await run({
      module: "testaction",
      data: dataFile,
      url: server.url,
      params: ["Data extraction path=Event[info=/^(a+)+$/].info"],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /parameter "Data Extraction Path", hash path "Event\[info=\/\^\(a\+\)\+\$\/\]\.info": the regular expression needs more than/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("invalid --filter, bad data file, unreachable server", async () => {
    expect((await run({ module: "testaction", data: fixture, filter: "nonsense" })).stderr).toMatch(/invalid --filter/);
    expect((await run({ module: "testaction", data: "/nonexistent.json", url: server.url })).stderr).toMatch(/cannot read data file/);
    const unreachable = await run({ module: "testaction", data: fixture, url: "http://127.0.0.1:9" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127.0.0.1:9\/modules/);
  });
});
