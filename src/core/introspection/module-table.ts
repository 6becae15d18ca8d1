import type { ModuleDescriptor } from "../registry/descriptor.js";
import type { LoadedModule } from "../registry/registry.js";

// Markdown tables of the served modules, generated from their descriptors (README,
// `misp-modules-ts modules --markdown`), so the documentation cannot drift from the code.

const cell = (s: string) =>
  s
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ")
    .trim();
const code = (s: string) => (s === "" ? "" : `\`${s.replace(/`/g, "'")}\``);

interface ParamDescriptor {
  type: string;
  description?: string;
  value?: string;
  jinja_supported?: boolean;
}

/** Names of each module's declared server settings (docs/writing-modules.md#server-settings), by module. */
export function serverSettingKeys(modules: readonly LoadedModule[]): Map<string, string[]> {
  return new Map(modules.map((m) => [m.name, Object.keys(m.def.serverSettings ?? {})]));
}

type Keys = ReadonlyMap<string, readonly string[]>;
const keysCell = (keys: Keys, name: string) => (keys.get(name) ?? []).map(code).join(", ") || "—";

function actionRows(d: ModuleDescriptor, keys: Keys): string[] {
  const config = d.meta.config as { params: Record<string, ParamDescriptor>; blocking: boolean; support_filters: boolean };
  const flags = [config.blocking ? "blocking" : "", config.support_filters ? "filters" : ""].filter(Boolean).join(", ");
  const params = Object.entries(config.params).map(([name, p]) => {
    const kind = p.type === "string" ? "" : ` (${p.type})`;
    const jinja = p.jinja_supported ? " **J**" : "";
    return `${code(name)}${kind}${jinja}`;
  });
  return [
    `| ${code(d.name)} | ${cell(String(d.meta.description))} | ${params.join(", ") || "—"} | ${flags || "—"} | ${keysCell(keys, d.name)} |`,
  ];
}

function expansionRow(d: ModuleDescriptor, keys: Keys): string {
  const input = (d.mispattributes.input as string[]).map(code).join(", ");
  const format = (d.mispattributes.format as string | undefined) ?? "simplified";
  const types = (d.meta["module-type"] as string[]).join(", ");
  const settings = (d.meta.config as string[]).map(code).join(", ") || "—";
  return `| ${code(d.name)} | ${cell(String(d.meta.description))} | ${input} | ${format} | ${types} | ${settings} | ${keysCell(keys, d.name)} |`;
}

/** `serverSettings`: the server settings each module declares (serverSettingKeys). */
export function moduleTableMarkdown(descriptors: ModuleDescriptor[], serverSettings: Keys = new Map()): string {
  const sorted = [...descriptors].sort((a, b) => a.name.localeCompare(b.name));
  const actions = sorted.filter((d) => d.type === "action_mod");
  const expansions = sorted.filter((d) => d.type === "expansion");
  return [
    "**Action modules** (workflow nodes; **J** = `jinja_supported`, rendered by MISP before the call):",
    "",
    "| Module | What it does | Parameters (in node order) | Flags | Server settings (`modules.<module>.<key>`) |",
    "| --- | --- | --- | --- | --- |",
    ...actions.flatMap((d) => actionRows(d, serverSettings)),
    "",
    "**Expansion modules** (enrichment menu, hover, batch enrichment, *Attach enrichment*):",
    "",
    "| Module | What it does | Input types | Format | module-type | MISP settings (`Plugin.Enrichment_<module>_<setting>`) | Server settings (`modules.<module>.<key>`) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...expansions.map((d) => expansionRow(d, serverSettings)),
  ].join("\n");
}
