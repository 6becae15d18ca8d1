import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PACKAGE_ROOT } from "../../package-info.js";
import { BUILTIN_NODES } from "./builtin-nodes.js";
import { blueprintBody } from "./validate.js";

// The ready-made workflows shipped in the package's blueprints/ folder (docs/blueprints.md):
// one MISP blueprint file each, named after the file.

export const BLUEPRINTS_DIR = join(PACKAGE_ROOT, "blueprints");

export interface ShippedBlueprint {
  /** File name without .json, e.g. publish-gate. */
  name: string;
  file: string;
  doc: Record<string, unknown>;
  title: string;
  /** The trigger it is made for (the description's [trigger] prefix). */
  trigger: string;
  /** One line: the description without its trigger prefix. */
  purpose: string;
  /** Our modules and MISP's action nodes it uses, in node order. */
  modules: string[];
}

export function readBlueprint(file: string): ShippedBlueprint {
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const bp = blueprintBody(doc) ?? {};
  const description = typeof bp.description === "string" ? bp.description : "";
  const m = /^\[([^\]]+)\]\s*/.exec(description);
  const modules: string[] = [];
  for (const n of Array.isArray(bp.data) ? bp.data : []) {
    const id = (n as { data?: { id?: unknown } })?.data?.id;
    if (typeof id !== "string" || modules.includes(id)) continue;
    const builtin = BUILTIN_NODES[id];
    if (!builtin || builtin.kind === "action") modules.push(id);
  }
  return {
    name: basename(file, ".json"),
    file,
    doc,
    title: typeof bp.name === "string" ? bp.name : "",
    trigger: m ? m[1]! : "",
    purpose: (m ? description.slice(m[0].length) : description).replace(/\s+/g, " ").trim(),
    modules,
  };
}

export function shippedBlueprints(dir = BLUEPRINTS_DIR): ShippedBlueprint[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => readBlueprint(join(dir, f)));
}

export function findBlueprint(name: string, dir = BLUEPRINTS_DIR): ShippedBlueprint | undefined {
  return shippedBlueprints(dir).find((b) => b.name === name || b.name === name.replace(/\.json$/, ""));
}
