import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { findBlueprint, type ShippedBlueprint, shippedBlueprints } from "../core/blueprints/catalogue.js";
import {
  type BlueprintModule,
  blueprintBody,
  formatProblem,
  modulesForBlueprints,
  validateBlueprint,
} from "../core/blueprints/validate.js";
import { builtinRoot, loadRoot } from "../core/registry/loader.js";
import { ModuleRegistry } from "../core/registry/registry.js";
import { paramId } from "../engines/cakephp-hash/inflector.js";

// `misp-modules-ts blueprints`: the ready-made MISP workflows of blueprints/ (docs/blueprints.md):
// list them, print one, fill in its parameters and print it for MISP's import dialog, or import
// it through MISP's REST API (/workflowBlueprints/add). Credentials stay secret: references, so
// an exported file never holds a token; the API key is sent, never printed.

export interface BlueprintsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The blueprints folder (default: the package's blueprints/). */
  dir?: string;
  /** Our modules, as blueprint nodes see them (default: the built-in modules). */
  modules?: BlueprintModule[];
}

export interface ExportOptions {
  set?: string[];
  /** A fresh uuid (MISP refuses to import a uuid it already has). */
  newUuid?: boolean;
  post?: string;
  key?: string;
  timeoutMs?: number;
}

type Json = Record<string, any>;
/** Values that are placeholders in the shipped files, to be replaced before use. */
const EXAMPLE_VALUE = /\.example\.(org|com|net)\b|^0{8}-0{4}-0{4}-0{4}-0{12}$/;

async function builtinModules(): Promise<BlueprintModule[]> {
  const registry = new ModuleRegistry();
  const quiet = { info() {}, warn() {}, error() {} };
  await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: quiet as never });
  return modulesForBlueprints(registry.all());
}

export function listBlueprints(io: BlueprintsIo): void {
  const all = shippedBlueprints(io.dir);
  const w = Math.max(...all.map((b) => b.name.length));
  const t = Math.max(...all.map((b) => b.trigger.length));
  for (const b of all)
    io.stdout.write(`${b.name.padEnd(w)}  ${b.trigger.padEnd(t)}  ${b.modules.join(", ")}\n${" ".repeat(w + 2)}${b.purpose}\n`);
}

function need(name: string, io: BlueprintsIo): ShippedBlueprint {
  const b = findBlueprint(name, io.dir);
  if (!b)
    throw new CliError(
      `no blueprint "${name}"; these exist: ${shippedBlueprints(io.dir)
        .map((x) => x.name)
        .join(", ")}`,
    );
  return b;
}

export class CliError extends Error {}

export function showBlueprint(name: string, io: BlueprintsIo): void {
  io.stdout.write(JSON.stringify(need(name, io).doc, null, 2) + "\n");
}

/**
 * Applies `PARAM=VALUE` or `NODE.PARAM=VALUE` (NODE: a module id such as splunk_hec, or a node
 * number) to the blueprint's nodes. A secret parameter takes only a secret:NAME reference.
 */
export function applySettings(doc: Json, settings: readonly string[], modules: readonly BlueprintModule[]): void {
  const nodes = blueprintBody(doc)!.data as Json[];
  for (const s of settings) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new CliError(`--set ${JSON.stringify(s.split("=")[0])}: expected PARAM=VALUE or NODE.PARAM=VALUE`);
    const target = s.slice(0, eq);
    const value = s.slice(eq + 1);
    const dot = target.lastIndexOf(".");
    const node = dot > 0 ? target.slice(0, dot) : undefined;
    const param = paramId(dot > 0 ? target.slice(dot + 1) : target);
    const hits = nodes.filter(
      (n) =>
        (node === undefined || n.data?.id === node || String(n.id) === node) &&
        n.data?.indexed_params &&
        !Array.isArray(n.data.indexed_params) &&
        param in n.data.indexed_params,
    );
    if (hits.length === 0) throw new CliError(`--set ${target}: no node of this blueprint has that parameter`);
    for (const n of hits) {
      const mod = modules.find((m) => m.id === n.data.id);
      const spec = mod?.params.find((p) => p.id === param)?.spec;
      if (spec?.secret && value !== "" && !value.startsWith("secret:"))
        throw new CliError(
          `--set ${target}: "${param}" of ${mod!.name} is a credential; refusing a literal value. Pass a reference secret:NAME and keep the value in the server's secrets (docs/security.md)`,
        );
      n.data.indexed_params[param] = value;
    }
  }
}

/** The blueprint filled in and checked; returns the document to print or post. */
export async function exportBlueprint(name: string, o: ExportOptions, io: BlueprintsIo): Promise<Json> {
  const b = need(name, io);
  const doc = structuredClone(b.doc) as Json;
  const modules = io.modules ?? (await builtinModules());
  applySettings(doc, o.set ?? [], modules);
  const bp = blueprintBody(doc)!;
  delete bp.id;
  delete bp.mermaid;
  bp.timestamp = String(Math.floor(Date.now() / 1000));
  if (o.newUuid) bp.uuid = randomUUID();
  const problems = validateBlueprint(doc, modules);
  if (problems.length) throw new CliError(`the blueprint is not valid:\n${problems.map((p) => `- ${formatProblem(p)}`).join("\n")}`);
  for (const n of bp.data as Json[])
    for (const [k, v] of Object.entries((n.data?.indexed_params ?? {}) as Json))
      if (typeof v === "string" && EXAMPLE_VALUE.test(v))
        io.stderr.write(
          `note: ${n.data.id}.${k} is still the example value ${JSON.stringify(v)}; set it with --set ${n.data.id}.${k}=...\n`,
        );
  return doc;
}

/** Imports through MISP's REST API; returns the id MISP gave the blueprint. */
export async function postBlueprint(doc: Json, url: string, key: string, timeoutMs = 30_000): Promise<{ id: string; uuid: string }> {
  let endpoint: URL;
  try {
    endpoint = new URL(url.replace(/\/+$/, "") + "/workflowBlueprints/add");
  } catch {
    throw new CliError(`--post ${JSON.stringify(url)} is not a URL (e.g. https://misp.example.org)`);
  }
  if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new CliError("--post must be an http(s) URL");
  const scrub = (s: string) => (key ? s.split(key).join("***") : s);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      // MISP's API: the key in Authorization, JSON both ways.
      headers: { Authorization: key, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(doc),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new CliError(scrub(`cannot reach MISP at ${endpoint.origin}: ${cause ?? (e as Error).message}`));
  }
  const text = await res.text();
  let body: Json | undefined;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = undefined;
  }
  // MISP answers 403 both for a refused key and for a failed save (with `errors`).
  if ((res.status === 401 || res.status === 403) && !body?.errors) {
    const msg = typeof body?.message === "string" ? `: ${body.message}` : "";
    throw new CliError(
      scrub(`MISP refused the request (HTTP ${res.status}${msg}); check the API key and that its user may edit workflows`),
    );
  }
  const saved = body && (body.WorkflowBlueprint ?? body);
  if (!res.ok || !saved || saved.id === undefined) {
    const detail = body ? JSON.stringify(body.errors ?? body.message ?? body).slice(0, 500) : text.slice(0, 200).replace(/\s+/g, " ");
    throw new CliError(scrub(`MISP did not import the blueprint (HTTP ${res.status}): ${detail}`));
  }
  return { id: String(saved.id), uuid: String(saved.uuid ?? "") };
}

export function registerBlueprintsCommand(program: Command): void {
  const cmd = program
    .command("blueprints")
    .description("ready-made MISP workflows (blueprints/): list, show, export for MISP's import dialog, or import through MISP's API");
  const fail = (e: unknown) => {
    process.stderr.write(`blueprints: ${(e as Error).message}\n`);
    process.exit(e instanceof CliError ? 2 : 1);
  };
  const io: BlueprintsIo = { stdout: process.stdout, stderr: process.stderr };
  cmd.action(() => {
    try {
      listBlueprints(io);
    } catch (e) {
      fail(e);
    }
  });
  cmd
    .command("list")
    .description("name, trigger, modules used and purpose of each blueprint")
    .action(() => {
      try {
        listBlueprints(io);
      } catch (e) {
        fail(e);
      }
    });
  cmd
    .command("show <name>")
    .description("print a blueprint as shipped")
    .action((name: string) => {
      try {
        showBlueprint(name, io);
      } catch (e) {
        fail(e);
      }
    });
  cmd
    .command("export <name>")
    .description("fill in parameters and print the JSON to paste into MISP (Workflows → Blueprints → Import), or --post it")
    .option(
      "--set <param=value...>",
      "set a node parameter: PARAM=VALUE or NODE.PARAM=VALUE (NODE: module id or node number); credentials only as secret:NAME",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--new-uuid", "give the blueprint a fresh uuid (MISP refuses a uuid it already has)")
    .option("--post <url>", "import it into the MISP at this URL through /workflowBlueprints/add")
    .option("--key <api-key>", "MISP API key for --post [MISP_API_KEY]")
    .action(async (name: string, o: ExportOptions) => {
      try {
        const doc = await exportBlueprint(name, o, io);
        if (!o.post) {
          process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
          return;
        }
        const key = o.key ?? process.env.MISP_API_KEY;
        if (!key) throw new CliError("--post needs --key (or MISP_API_KEY)");
        const r = await postBlueprint(doc, o.post, key);
        process.stdout.write(`imported "${blueprintBody(doc)!.name}" as blueprint ${r.id} (uuid ${r.uuid})\n`);
      } catch (e) {
        fail(e);
      }
    });
}
