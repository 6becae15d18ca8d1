import { beforeAll, describe, expect, it } from "vitest";
import { builtinRoot, loadRoot } from "../../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../../src/core/registry/registry.js";
import { shippedBlueprints } from "../../../src/core/blueprints/catalogue.js";
import {
  type BlueprintModule,
  formatProblem,
  MAX_DATA_BYTES,
  modulesForBlueprints,
  validateBlueprint,
} from "../../../src/core/blueprints/validate.js";
import { paramId, underscore } from "../../../src/engines/cakephp-hash/inflector.js";

// Every shipped blueprint (blueprints/) is a valid MISP blueprint for our modules, and the
// validator catches what would break an import or a run (docs/blueprints.md).

let modules: BlueprintModule[];
beforeAll(async () => {
  const registry = new ModuleRegistry();
  await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } } as never);
  modules = modulesForBlueprints(registry.all());
}, 120_000);

const BLUEPRINTS = shippedBlueprints();
const messages = (doc: unknown) => validateBlueprint(doc, modules).map(formatProblem);
const clone = <T>(x: T): T => structuredClone(x);
type Json = Record<string, any>;
const nodeOf = (doc: Json, moduleId: string): Json => doc.WorkflowBlueprint.data.find((n: Json) => n.data.id === moduleId);

describe("shipped blueprints", () => {
  it("cover the six use cases, each with its trigger", () => {
    expect(BLUEPRINTS.map((b) => [b.name, b.trigger])).toEqual([
      ["case-on-sensitive-tag", "tag-attached-after-save"],
      ["no-tlp-red-enrichment", "enrichment-before-query"],
      ["onion-enrich-once", "attribute-after-save"],
      ["publish-gate", "event-publish"],
      ["publish-notification", "event-publish"],
      ["siem-export-on-publish", "event-publish"],
    ]);
  });

  it.each(BLUEPRINTS.map((b) => [b.name, b] as const))("%s is valid", (_name, b) => {
    expect(messages(b.doc)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(b.doc))).toBeLessThan(MAX_DATA_BYTES);
  });

  it("use the node ids, parameter ids and names MISP derives from our descriptors", () => {
    for (const b of BLUEPRINTS) {
      for (const n of (b.doc as Json).WorkflowBlueprint.data as Json[]) {
        const mod = modules.find((m) => m.id === n.data.id);
        if (!mod) continue;
        expect(n.data.id).toBe(underscore(mod.name));
        expect(n.name).toBe(mod.name);
        // Every declared parameter is stored under its slugged id, as the editor saves it.
        expect(Object.keys(n.data.indexed_params).sort()).toEqual(mod.params.map((p) => paramId(p.name)).sort());
      }
    }
  });

  it("hold no credential, only secret: references", () => {
    for (const b of BLUEPRINTS)
      for (const n of (b.doc as Json).WorkflowBlueprint.data as Json[]) {
        const mod = modules.find((m) => m.id === n.data.id);
        for (const p of mod?.params ?? [])
          if (p.spec.secret) expect(n.data.indexed_params[p.id], `${b.name} ${p.id}`).toMatch(/^(secret:[A-Z0-9_]+)?$/);
      }
  });
});

describe("the blueprint validator", () => {
  const gate = BLUEPRINTS.find((b) => b.name === "publish-gate")!.doc as Json;
  const siem = BLUEPRINTS.find((b) => b.name === "siem-export-on-publish")!.doc as Json;
  const onion = BLUEPRINTS.find((b) => b.name === "onion-enrich-once")!.doc as Json;

  it("names node and parameter for an unknown parameter, a wrong kind and a missing required one", () => {
    const bad = clone(siem);
    nodeOf(bad, "splunk_hec").data.indexed_params.hec_tokn = "x";
    nodeOf(bad, "splunk_hec").data.indexed_params.batch_max_bytes = "lots";
    nodeOf(bad, "elasticsearch").data.indexed_params.index = "";
    nodeOf(bad, "sentinel").data.indexed_params.ids_only = ["true"];
    const m = messages(bad);
    expect(m).toContainEqual(expect.stringMatching(/^node 3 \(splunk_hec\), parameter "hec_tokn": unknown parameter of splunk_hec/));
    expect(m).toContain('node 3 (splunk_hec), parameter "batch_max_bytes": wrong kind: must be a whole number');
    expect(m).toContain('node 4 (elasticsearch), parameter "index": is required and missing');
    expect(m).toContain('node 5 (sentinel), parameter "ids_only": wrong kind: MISP stores a boolean parameter as a string, got a list');
    expect(m).toHaveLength(4);
  });

  it("refuses a literal credential", () => {
    const bad = clone(siem);
    nodeOf(bad, "splunk_hec").data.indexed_params.hec_token = "0f0e1d2c-real-token";
    expect(messages(bad)).toEqual([
      'node 3 (splunk_hec), parameter "hec_token": holds a literal credential: use a secret:NAME reference resolved on the server',
    ]);
  });

  it("refuses a cycle, a second connection on a single output and a dangling connection", () => {
    const cyc = clone(onion);
    // attach-enrichment (4) → generic-if (2): a loop, mirrored on both sides.
    nodeOf(cyc, "attach-enrichment").outputs.output_1.connections.push({ node: "2", output: "input_1" });
    nodeOf(cyc, "generic-if").inputs.input_1.connections.push({ node: "4", input: "output_1" });
    expect(messages(cyc)).toEqual(["the graph has a cycle: 2 → 3 → 4 → 2"]);

    const two = clone(gate);
    const extra = clone(nodeOf(two, "publish_guard"));
    extra.id = 3;
    extra.inputs.input_1.connections = [{ node: "1", input: "output_1" }];
    two.WorkflowBlueprint.data.push(extra);
    nodeOf(two, "event-publish").outputs.output_1.connections.push({ node: "3", output: "input_1" });
    expect(messages(two)).toEqual(["node 1 (event-publish): output_1 has 2 connections; MISP allows one per output here"]);
    // concurrent-task may fan out: the SIEM blueprint has three connections on its output.
    expect(nodeOf(siem, "concurrent-task").outputs.output_1.connections).toHaveLength(3);

    const dangling = clone(gate);
    nodeOf(dangling, "publish_guard").outputs.output_1.connections.push({ node: "9", output: "input_1" });
    expect(messages(dangling)).toEqual(["node 2 (publish_guard): output_1 connects to a node that does not exist (9)"]);
  });

  it("checks MISP's structure, its own nodes and the size limit", () => {
    expect(messages([])).toEqual(['not a blueprint: expected a JSON object {"WorkflowBlueprint": {...}}']);
    const bad = clone(onion);
    bad.WorkflowBlueprint.uuid = "not-a-uuid";
    bad.WorkflowBlueprint.description = "x".repeat(200);
    nodeOf(bad, "generic-if").data.indexed_params.operator = "like";
    nodeOf(bad, "attach-enrichment").data.id = "attach-enrichments";
    expect(messages(bad)).toEqual([
      "uuid must be an RFC 4122 UUID",
      "description is longer than 191 characters (200)",
      'node 1 (attribute-after-save): the description should start with "[attribute-after-save]", the trigger it is made for',
      'node 2 (generic-if), parameter "operator": must be one of in, not_in, equals, not_equals, any_value, in_or, in_and, not_in_or, not_in_and',
      'node 4 (attach-enrichments): unknown module id "attach-enrichments": neither one of MISP\'s nodes nor one of our modules',
    ]);
    const big = clone(gate);
    nodeOf(big, "publish_guard").data.indexed_params.forbidden_tags = "tlp:red,".repeat(9000);
    expect(messages(big)).toEqual([expect.stringMatching(/^data is \d+ bytes; MISP stores at most 65535$/)]);
  });
});
