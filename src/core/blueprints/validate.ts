import { underscore } from "../../engines/cakephp-hash/inflector.js";
import type { ParamEntry } from "../registry/registry.js";
import { BUILTIN_NODES, CONDITION_OPERATORS } from "./builtin-nodes.js";

// Checks a MISP workflow blueprint (docs/blueprints.md) before it is shipped, exported or
// imported: MISP's file structure, node ids and parameters against our modules' declarations,
// the graph rules MISP enforces on workflows, and the storage limit. Every problem names the
// node and, where it applies, the parameter.

/** A module as a blueprint node sees it: MISP's node id and our declared parameters. */
export interface BlueprintModule {
  name: string;
  /** MISP's node id: Inflector::underscore(name). */
  id: string;
  params: readonly ParamEntry[];
}

export interface BlueprintProblem {
  /** `3 (mattermost)` */
  node?: string;
  param?: string;
  message: string;
}

/** MISP stores a blueprint's `data` in a TEXT column (64 KiB). */
export const MAX_DATA_BYTES = 65_535;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const VARCHAR = 191;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function formatProblem(p: BlueprintProblem): string {
  const where = [p.node ? `node ${p.node}` : "", p.param ? `parameter "${p.param}"` : ""].filter(Boolean).join(", ");
  return where ? `${where}: ${p.message}` : p.message;
}

export function modulesForBlueprints(mods: readonly { name: string; params: readonly ParamEntry[] }[]): BlueprintModule[] {
  return mods.map((m) => ({ name: m.name, id: underscore(m.name), params: m.params }));
}

/** The blueprint object inside `{"WorkflowBlueprint": {...}}` (MISP also accepts it bare). */
export function blueprintBody(doc: unknown): Json | undefined {
  if (!isObject(doc)) return undefined;
  return isObject(doc.WorkflowBlueprint) ? doc.WorkflowBlueprint : doc;
}

export function validateBlueprint(doc: unknown, modules: readonly BlueprintModule[]): BlueprintProblem[] {
  const problems: BlueprintProblem[] = [];
  const bp = blueprintBody(doc);
  if (!bp) return [{ message: 'not a blueprint: expected a JSON object {"WorkflowBlueprint": {...}}' }];

  // docs/protocol.md#endpoints: the blueprint's own fields.
  if (typeof bp.name !== "string" || bp.name.trim() === "") problems.push({ message: "name must be a non-empty string" });
  else if (bp.name.length > VARCHAR) problems.push({ message: `name is longer than ${VARCHAR} characters` });
  if (typeof bp.uuid !== "string" || !UUID_RE.test(bp.uuid)) problems.push({ message: "uuid must be an RFC 4122 UUID" });
  if (bp.description !== undefined && typeof bp.description !== "string") problems.push({ message: "description must be a string" });
  else if (typeof bp.description === "string" && bp.description.length > VARCHAR)
    problems.push({ message: `description is longer than ${VARCHAR} characters (${bp.description.length})` });
  if (bp.timestamp !== undefined && !/^\d+$/.test(String(bp.timestamp))) problems.push({ message: "timestamp must be a Unix time" });
  if (bp.default !== undefined && bp.default !== false)
    problems.push({ message: "default must be false (MISP sets it for its own blueprints only)" });
  if (!Array.isArray(bp.data)) return [...problems, { message: "data must be an array of nodes" }];
  const size = Buffer.byteLength(JSON.stringify(bp.data));
  if (size > MAX_DATA_BYTES) problems.push({ message: `data is ${size} bytes; MISP stores at most ${MAX_DATA_BYTES}` });

  const byName = new Map(modules.map((m) => [m.id, m]));
  const nodes = new Map<string, Json>();
  const label = (n: Json) => `${String(n.id)} (${isObject(n.data) ? String(n.data.id) : "?"})`;
  for (const n of bp.data) {
    if (!isObject(n) || !Number.isInteger(n.id)) {
      problems.push({ message: "every node must be an object with an integer id" });
      continue;
    }
    if (nodes.has(String(n.id))) problems.push({ node: label(n), message: "duplicate node id" });
    nodes.set(String(n.id), n);
  }

  let triggers = 0;
  for (const n of nodes.values()) {
    const node = label(n);
    const d = n.data;
    if (!isObject(d) || typeof d.id !== "string") {
      problems.push({ node, message: "data.id (the module id) is missing" });
      continue;
    }
    if (typeof n.name !== "string" || n.name === "") problems.push({ node, message: "name is missing" });
    if (typeof n.class !== "string") problems.push({ node, message: "class is missing" });
    if (!isObject(n.inputs) && !Array.isArray(n.inputs)) problems.push({ node, message: "inputs must be an object" });
    if (!isObject(n.outputs)) problems.push({ node, message: "outputs must be an object" });
    if (!isObject(d.saved_filters) && !Array.isArray(d.saved_filters))
      problems.push({ node, message: "data.saved_filters must be {selector, value, operator, path}" });
    else if (isObject(d.saved_filters))
      for (const k of ["selector", "value", "operator", "path"])
        if (typeof d.saved_filters[k] !== "string") problems.push({ node, message: `data.saved_filters.${k} must be a string` });

    const builtin = BUILTIN_NODES[d.id];
    const ours = byName.get(d.id);
    const params = d.indexed_params;
    if (!isObject(params) && !(Array.isArray(params) && params.length === 0)) {
      problems.push({ node, message: "data.indexed_params must be an object of parameter id → value" });
      continue;
    }
    const given: Json = isObject(params) ? params : {};
    let outputs = 1;
    if (builtin) {
      outputs = builtin.outputs;
      if (d.module_type !== builtin.kind) problems.push({ node, message: `data.module_type must be "${builtin.kind}" for MISP's ${d.id}` });
      if (builtin.kind === "trigger") {
        triggers++;
        const desc = typeof bp.description === "string" ? bp.description : "";
        if (!desc.startsWith(`[${d.id}]`))
          problems.push({ node, message: `the description should start with "[${d.id}]", the trigger it is made for` });
      }
      if (builtin.params)
        for (const k of Object.keys(given))
          if (!builtin.params.includes(k)) problems.push({ node, param: k, message: `unknown parameter of MISP's ${d.id}` });
      if (d.id === "generic-if") {
        const op = given.operator;
        if (typeof op !== "string" || !CONDITION_OPERATORS.includes(op))
          problems.push({ node, param: "operator", message: `must be one of ${CONDITION_OPERATORS.join(", ")}` });
        else if (op.endsWith("_or") || op.endsWith("_and")) {
          if (!Array.isArray(given.value_list) || given.value_list.length === 0)
            problems.push({
              node,
              param: "value_list",
              message: `operator ${op} compares with a list: value_list must be a non-empty list`,
            });
        } else if (op !== "any_value" && typeof given.value !== "string")
          problems.push({ node, param: "value", message: `operator ${op} compares with value, a string` });
        if (typeof given.hash_path !== "string" || given.hash_path === "")
          problems.push({ node, param: "hash_path", message: "is required" });
      }
      if (d.id === "attach-enrichment" && (typeof given.modules !== "string" || given.modules === "") && !Array.isArray(given.modules))
        problems.push({ node, param: "modules", message: "names the enrichment module(s) to run" });
    } else if (ours) {
      if (d.module_type !== "action") problems.push({ node, message: 'data.module_type must be "action" for a misp-module node' });
      if (n.name !== ours.name || d.name !== ours.name)
        problems.push({ node, message: `name and data.name must be "${ours.name}" (what MISP shows)` });
      const declared = new Map(ours.params.map((p) => [p.id, p]));
      for (const [k, v] of Object.entries(given)) {
        const p = declared.get(k);
        if (!p) {
          problems.push({ node, param: k, message: `unknown parameter of ${ours.name} (it has ${[...declared.keys()].join(", ")})` });
          continue;
        }
        if (typeof v !== "string") {
          problems.push({
            node,
            param: k,
            message: `wrong kind: MISP stores a ${p.spec.kind} parameter as a string, got ${Array.isArray(v) ? "a list" : typeof v}`,
          });
          continue;
        }
        if (p.spec.secret && v !== "" && !v.startsWith("secret:"))
          problems.push({ node, param: k, message: "holds a literal credential: use a secret:NAME reference resolved on the server" });
        // Templates are rendered by MISP first and secrets resolved by the server: only plain values parse here.
        else if (!p.spec.jinja && !p.spec.secret && v !== "" && !v.includes("{{")) {
          const r = p.spec.schema.safeParse(v);
          if (!r.success) problems.push({ node, param: k, message: `wrong kind: ${r.error.issues[0]?.message ?? "invalid value"}` });
        }
      }
      for (const p of ours.params)
        if (p.spec.required && (typeof given[p.id] !== "string" || (given[p.id] as string).trim() === ""))
          problems.push({ node, param: p.id, message: "is required and missing" });
    } else {
      problems.push({ node, message: `unknown module id "${d.id}": neither one of MISP's nodes nor one of our modules` });
    }

    // Ports and connections (drawflow): output_k → target's input_1, mirrored in the target's inputs.
    const outs = isObject(n.outputs) ? n.outputs : {};
    for (const [port, o] of Object.entries(outs)) {
      const k = /^output_(\d+)$/.exec(port);
      if (!k || Number(k[1]) < 1 || Number(k[1]) > outputs) {
        problems.push({ node, message: `has no port ${port} (it has ${outputs} output${outputs > 1 ? "s" : ""})` });
        continue;
      }
      const conns = isObject(o) && Array.isArray(o.connections) ? o.connections : undefined;
      if (!conns) {
        problems.push({ node, message: `${port}.connections must be a list` });
        continue;
      }
      const multiple = builtin?.multipleOutputs === true || d.multiple_output_connection === true;
      if (conns.length > 1 && !multiple)
        problems.push({ node, message: `${port} has ${conns.length} connections; MISP allows one per output here` });
      for (const c of conns) {
        const target = isObject(c) ? nodes.get(String(c.node)) : undefined;
        if (!isObject(c) || typeof c.node !== "string" || !target) {
          problems.push({ node, message: `${port} connects to a node that does not exist (${isObject(c) ? String(c.node) : "?"})` });
          continue;
        }
        const back = isObject(target.inputs) && isObject(target.inputs.input_1) ? target.inputs.input_1.connections : undefined;
        if (!Array.isArray(back) || !back.some((b) => isObject(b) && b.node === String(n.id) && b.input === port))
          problems.push({ node, message: `${port} → node ${label(target)} is not mirrored in that node's inputs.input_1` });
      }
    }
    const ins = isObject(n.inputs) ? n.inputs : {};
    if (builtin?.kind === "trigger" && Object.keys(ins).length > 0) problems.push({ node, message: "a trigger has no inputs" });
    for (const [port, i] of Object.entries(ins)) {
      if (port !== "input_1") problems.push({ node, message: `has no port ${port}` });
      const conns = isObject(i) && Array.isArray(i.connections) ? i.connections : [];
      for (const c of conns) {
        const source = isObject(c) ? nodes.get(String(c.node)) : undefined;
        const fwd = source && isObject(source.outputs) && isObject(c) ? source.outputs[String(c.input)] : undefined;
        if (!isObject(fwd) || !Array.isArray(fwd.connections) || !fwd.connections.some((f) => isObject(f) && f.node === String(n.id)))
          problems.push({ node, message: `input from node ${isObject(c) ? String(c.node) : "?"} is not mirrored in that node's outputs` });
      }
    }
  }
  if (triggers > 1) problems.push({ message: `${triggers} trigger nodes; a workflow has exactly one` });
  const cycle = findCycle(nodes);
  if (cycle) problems.push({ message: `the graph has a cycle: ${cycle.join(" → ")}` });
  return problems;
}

/** A cycle as a list of node ids, or undefined (depth-first search on output connections). */
function findCycle(nodes: Map<string, Json>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const next = (id: string): string[] => {
    const outs = nodes.get(id)?.outputs;
    if (!isObject(outs)) return [];
    return Object.values(outs).flatMap((o) =>
      (isObject(o) && Array.isArray(o.connections) ? o.connections : []).map((c) => String((c as Json).node)),
    );
  };
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const t of next(id)) {
      if (!nodes.has(t)) continue;
      if (state.get(t) === 1) return [...stack.slice(stack.indexOf(t)), t];
      if (!state.has(t)) {
        const c = visit(t);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const id of nodes.keys()) {
    if (state.has(id)) continue;
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}
