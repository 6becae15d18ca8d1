import { execFile } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlueprintsIo, exportBlueprint, listBlueprints, postBlueprint, showBlueprint } from "../../src/commands/blueprints.js";
import { modulesForBlueprints } from "../../src/core/blueprints/validate.js";
import { builtinRoot, loadRoot } from "../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../src/core/registry/registry.js";
import { type RecordedRequest, type Reply, startStandIn, type StandIn } from "../helpers/stand-in.js";

// `misp-modules-ts blueprints` (docs/blueprints.md): list, show, export with --set (credentials
// only as secret: references) and import into a stand-in MISP that enforces the REST contract of
// /workflowBlueprints/add.

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const API_KEY = "Zx9TestMispApiKey0123456789abcdefghijklmn";
type Json = Record<string, any>;

function capture(): BlueprintsIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = "";
  let e = "";
  stdout.on("data", (c) => (o += c));
  stderr.on("data", (c) => (e += c));
  return { stdout, stderr, modules, out: () => o, err: () => e };
}

/** MISP's /workflowBlueprints/add as the REST API answers it (CRUD add, uuid unique). */
function mispAdd(known: Set<string>) {
  let nextId = 40;
  return (req: RecordedRequest): Reply => {
    if (req.method !== "POST" || req.path !== "/workflowBlueprints/add") return { status: 404, body: { message: "Not Found" } };
    if (req.headers.authorization !== API_KEY)
      return {
        status: 403,
        body: {
          name: "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.",
          message: "Authentication failed.",
          url: req.path,
        },
      };
    if (!String(req.headers.accept).includes("application/json") || !String(req.headers["content-type"]).startsWith("application/json"))
      return { status: 302, headers: { location: "/users/login" }, body: "" };
    let doc: Json;
    try {
      doc = JSON.parse(req.body) as Json;
    } catch {
      return { status: 400, body: { message: "Invalid JSON" } };
    }
    const bp = doc.WorkflowBlueprint ?? doc;
    if (typeof bp.name !== "string" || !Array.isArray(bp.data))
      return { status: 403, body: { saved: false, errors: { name: ["Invalid"] } } };
    if (known.has(bp.uuid))
      return {
        status: 403,
        body: {
          saved: false,
          name: "Could not add Workflow Blueprint",
          message: "Could not add",
          errors: { uuid: ["The UUID provided is not unique"] },
        },
      };
    known.add(bp.uuid);
    return { status: 200, body: { WorkflowBlueprint: { ...bp, id: String(nextId++), default: false, data: JSON.stringify(bp.data) } } };
  };
}

let modules: ReturnType<typeof modulesForBlueprints>;
let misp: StandIn;
const known = new Set<string>();
beforeAll(async () => {
  const registry = new ModuleRegistry();
  await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } } as never);
  modules = modulesForBlueprints(registry.all());
  misp = await startStandIn({ handler: mispAdd(known) });
}, 120_000);
afterAll(async () => misp?.close());

describe("blueprints list and show", () => {
  it("lists name, trigger, modules and purpose", () => {
    const io = capture();
    listBlueprints(io);
    expect(io.out()).toMatch(
      /^onion-enrich-once\s+attribute-after-save\s+once_guard, attach-enrichment\n\s+Enriches a saved onion-address/m,
    );
    expect(io.out().match(/^\S/gm)).toHaveLength(6);
  });

  it("shows one as shipped, and names the existing ones for an unknown name", () => {
    const io = capture();
    showBlueprint("publish-gate", io);
    expect(JSON.parse(io.out()).WorkflowBlueprint.name).toBe("Publish gate");
    expect(() => showBlueprint("nope", io)).toThrow(/no blueprint "nope"; these exist: case-on-sensitive-tag, /);
  });
});

describe("blueprints export", () => {
  it("fills parameters by name or node and keeps credentials as references", async () => {
    const io = capture();
    const doc = await exportBlueprint(
      "siem-export-on-publish",
      { set: ["splunk_hec.url=https://splunk.corp:8088", "verify_tls=false", "hec_token=secret:CORP_HEC", "4.index=misp"] },
      io,
    );
    const params = (id: string) => doc.WorkflowBlueprint.data.find((n: Json) => n.data.id === id).data.indexed_params;
    expect(params("splunk_hec")).toMatchObject({ url: "https://splunk.corp:8088", verify_tls: "false", hec_token: "secret:CORP_HEC" });
    // An unqualified name sets it on every node that has it.
    expect(params("elasticsearch")).toMatchObject({ verify_tls: "false", index: "misp" });
    expect(params("sentinel").verify_tls).toBe("false");
    expect(doc.WorkflowBlueprint.timestamp).toMatch(/^\d{10}$/);
    expect(io.err()).toContain('note: elasticsearch.url is still the example value "https://elasticsearch.example.org:9200"');
    expect(io.err()).not.toContain("splunk_hec.url");
  });

  it("refuses a literal credential without echoing it, an unknown parameter, and an invalid value", async () => {
    const io = capture();
    const secret = "hec-0f9e8d7c6b5a";
    const refused = exportBlueprint("siem-export-on-publish", { set: [`hec_token=${secret}`] }, io);
    await expect(refused).rejects.toThrow(/"hec_token" of splunk_hec is a credential; refusing a literal value/);
    await refused.catch((e: Error) => expect(e.message).not.toContain(secret));
    await expect(exportBlueprint("publish-gate", { set: ["min_atributes=2"] }, io)).rejects.toThrow(
      "--set min_atributes: no node of this blueprint has that parameter",
    );
    await expect(exportBlueprint("publish-gate", { set: ["min_attributes=two"] }, io)).rejects.toThrow(
      'the blueprint is not valid:\n- node 2 (publish_guard), parameter "min_attributes": wrong kind: must be a whole number',
    );
  });
});

describe("blueprints export --post", () => {
  it("imports through /workflowBlueprints/add with MISP's headers; a second import of the same uuid is refused", async () => {
    const io = capture();
    const doc = await exportBlueprint("no-tlp-red-enrichment", {}, io);
    const r = await postBlueprint(doc, misp.url + "/", API_KEY);
    expect(r).toEqual({ id: "40", uuid: doc.WorkflowBlueprint.uuid });
    const req = misp.last();
    expect(req.headers).toMatchObject({ authorization: API_KEY, accept: "application/json", "content-type": "application/json" });
    expect(JSON.parse(req.body)).toEqual(doc);
    await expect(postBlueprint(doc, misp.url, API_KEY)).rejects.toThrow(
      'MISP did not import the blueprint (HTTP 403): {"uuid":["The UUID provided is not unique"]}',
    );
    const fresh = await exportBlueprint("no-tlp-red-enrichment", { newUuid: true }, io);
    expect((await postBlueprint(fresh, misp.url, API_KEY)).id).toBe("41");
  });

  it("says when MISP refuses the key or cannot be reached, never printing the key", async () => {
    const doc = await exportBlueprint("publish-gate", {}, capture());
    const wrong = postBlueprint(doc, misp.url, "wrong-key-0123456789");
    await expect(wrong).rejects.toThrow(/^MISP refused the request \(HTTP 403: Authentication failed\.\); check the API key/);
    await wrong.catch((e: Error) => expect(e.message).not.toContain("wrong-key"));
    await expect(postBlueprint(doc, "http://127.0.0.1:1", API_KEY)).rejects.toThrow(/^cannot reach MISP at http:\/\/127\.0\.0\.1:1: /);
  });
});

describe("the CLI", () => {
  it("exports through `misp-modules-ts blueprints export` and exits 2 on a literal credential", async () => {
    // Asynchronous: the stand-in MISP answers from this process's event loop.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "src/cli.ts", "blueprints", ...args],
          { cwd: REPO, encoding: "utf8", env: { ...process.env, MISP_MODULES_WATCH: "false" } },
          (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run([
      "export",
      "publish-notification",
      "--set",
      "slack.webhook_url=secret:TEAM_SLACK",
      "--post",
      misp.url,
      "--key",
      API_KEY,
    ]);
    expect(ok.stderr).not.toContain(API_KEY);
    expect(ok.stdout).toMatch(/^imported "Publish notification to chat" as blueprint \d+ \(uuid 2b0c6a43-5d0e-4c3b-9a5e-6f1f3c0a9e03\)\n$/);
    expect(ok.status).toBe(0);
    const posted = JSON.parse(misp.last().body) as Json;
    expect(posted.WorkflowBlueprint.data.find((n: Json) => n.data.id === "slack").data.indexed_params.webhook_url).toBe(
      "secret:TEAM_SLACK",
    );
    const bad = await run(["export", "publish-notification", "--set", "slack.webhook_url=https://hooks.slack.com/services/T0/B0/xyz"]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^blueprints: --set slack.webhook_url: "webhook_url" of slack is a credential; refusing a literal value/);
    expect(bad.stderr).not.toContain("hooks.slack.com");
  }, 180_000);
});
