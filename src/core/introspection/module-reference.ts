import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedModule } from "../registry/registry.js";
import { serverSettingEnvName } from "../../sdk/server-settings.js";

// docs/modules.md, the reference page of the built-in modules, generated from their
// declarations (`misp-modules-ts modules --reference`) so it cannot drift from the code;
// test/commands/modules-reference.test.ts checks the committed page. Each module gets the
// anchor `#<name>`, which code comments cite.

const cell = (s: string) =>
  s
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ")
    .trim();
const code = (s: string) => (s === "" ? "" : `\`${s.replace(/`/g, "'")}\``);
const yes = (b: boolean) => (b ? "yes" : "");
// Inside a table a `|` ends the cell even in a code span; GitHub reads `\|` there as the character.
const tcode = (s: string) => code(s).replace(/\|/g, "\\|");

/**
 * The guide pages (docs/*.md) with a heading that names a module (`` `name` ``, or the name with
 * spaces for underscores), by module name.
 * Read from the docs folder so the core never lists modules itself.
 */
export function moduleGuides(docsDir: string, names: readonly string[], skip: readonly string[] = []): Map<string, string[]> {
  const guides = new Map<string, string[]>();
  if (!existsSync(docsDir)) return guides;
  const files = readdirSync(docsDir)
    .filter((f) => f.endsWith(".md") && !skip.includes(f))
    .sort();
  for (const file of files) {
    const headings = readFileSync(join(docsDir, file), "utf8")
      .split("\n")
      .filter((l) => /^#{1,4} /.test(l));
    for (const name of names) {
      const named = (h: string) => h.includes(`\`${name}\``) || h.replace(/^#+ /, "").trim().toLowerCase().replace(/[ -]/g, "_") === name;
      if (headings.some(named)) {
        guides.set(name, [...(guides.get(name) ?? []), file]);
      }
    }
  }
  return guides;
}

/**
 * The module's declared server settings (docs/writing-modules.md#server-settings): set by the
 * server's operator, never by MISP. Empty when it declares none.
 */
export function serverSettingsTable(m: LoadedModule): string[] {
  const entries = Object.entries((m.def.serverSettings ?? {}) as Record<string, SettingFacts & { kind?: unknown }>);
  if (!entries.length) return [];
  return [
    "Server settings (`modules." + m.name + ".<key>` in the config file, or the environment variable):",
    "",
    "| Server setting | Environment | Kind | Default | Secret | Description |",
    "| --- | --- | --- | --- | --- | --- |",
    ...entries.map(([key, s]) => {
      const dflt = s.default === undefined ? "—" : tcode(String(s.default));
      return `| ${code(key)} | ${code(serverSettingEnvName(m.name, key))} | ${String(s.kind ?? "text")} | ${dflt} | ${yes(s.secret === true) || "—"} | ${cell(String(s.description ?? "")) || "—"} |`;
    }),
    "",
  ];
}

function actionSection(m: LoadedModule, guides: readonly string[]): string[] {
  if (m.def.kind !== "action") return [];
  const def = m.def;
  const facts = [
    `blocking: ${def.blocking ? "yes" : "no"}`,
    `filters: ${def.supportFilters ? "yes" : "no"}`,
    `expects MISP core format: ${def.expectMispCoreFormat ? "yes" : "no"}`,
    def.outbound && !def.blocking ? "may be queued in the outbox ([delivery.md](delivery.md))" : "",
    def.icon ? `icon: ${code(`${def.icon.name}`)} (${def.icon.class})` : "",
    def.timeoutMs ? `deadline: ${def.timeoutMs} ms` : "",
  ].filter(Boolean);
  const rows = m.params.map((p) => {
    const flags = [p.spec.jinja ? "Jinja" : "", p.spec.secret ? "secret" : "", p.spec.required ? "required" : ""]
      .filter(Boolean)
      .join(", ");
    return `| ${code(p.name)} | ${code(p.id)} | ${cell(p.label)} | ${p.spec.widget} | ${flags || "—"} | ${tcode(p.spec.placeholder ?? "") || "—"} | ${cell(p.spec.description) || "—"} |`;
  });
  return [
    `<a id="${m.name}"></a>`,
    "",
    `### \`${m.name}\``,
    "",
    cell(def.meta.description),
    "",
    `${facts.join(" · ")}.${guides.length ? ` Guide: ${guides.map((g) => `[${g}](${g})`).join(", ")}.` : ""}`,
    "",
    ...(rows.length
      ? [
          "| Parameter | id in `params` | label in `matchingData` | Widget | Flags | Placeholder | Description |",
          "| --- | --- | --- | --- | --- | --- | --- |",
          ...rows,
        ]
      : ["No parameters (MISP sends `params: []`)."]),
    "",
    ...serverSettingsTable(m),
  ];
}

interface SettingFacts {
  description?: unknown;
  default?: unknown;
  secret?: unknown;
}

function expansionSection(m: LoadedModule, guides: readonly string[]): string[] {
  if (m.def.kind !== "expansion") return [];
  const def = m.def;
  const facts = [
    `module-type: ${def.moduleType.join(", ")}`,
    `format: ${def.format ?? "simplified"}`,
    `input: ${def.input.map(code).join(", ")}`,
    def.output?.length ? `output: ${def.output.map(code).join(", ")}` : "",
    def.timeoutMs ? `deadline: ${def.timeoutMs} ms` : "",
  ].filter(Boolean);
  const settings = Object.entries((def.settings ?? {}) as Record<string, SettingFacts>).map(([name, s]) => {
    const dflt = s.default === undefined ? "—" : tcode(String(s.default));
    return `| ${code(name)} | ${code(`Plugin.Enrichment_${m.name}_${name}`)} | ${dflt} | ${yes(s.secret === true) || "—"} | ${cell(String(s.description ?? "")) || "—"} |`;
  });
  return [
    `<a id="${m.name}"></a>`,
    "",
    `### \`${m.name}\``,
    "",
    cell(def.meta.description),
    "",
    `${facts.join(" · ")}.${guides.length ? ` Guide: ${guides.map((g) => `[${g}](${g})`).join(", ")}.` : ""}`,
    "",
    ...(settings.length
      ? ["| Setting | MISP setting | Default | Secret | Description |", "| --- | --- | --- | --- | --- |", ...settings]
      : ["No MISP settings."]),
    "",
    ...serverSettingsTable(m),
  ];
}

/** The whole docs/modules.md page for the given modules (built-in ones, normally). */
export function moduleReferenceMarkdown(modules: readonly LoadedModule[], guides: ReadonlyMap<string, string[]> = new Map()): string {
  const sorted = [...modules].sort((a, b) => a.name.localeCompare(b.name));
  const actions = sorted.filter((m) => m.def.kind === "action");
  const expansions = sorted.filter((m) => m.def.kind === "expansion");
  const toc = (list: LoadedModule[]) => list.map((m) => `[\`${m.name}\`](#${m.name})`).join(" · ");
  return [
    "# Module reference",
    "",
    "<!-- Generated by `misp-modules-ts modules --reference > docs/modules.md`; do not edit by hand. -->",
    "",
    "Every built-in module as its declaration defines it: what MISP lists (see",
    "[protocol.md](protocol.md#get-modules)) and what the handler receives. Action parameters reach",
    "the module under the **id** MISP derives from their name, hash-path extractions under the",
    "**label** ([protocol.md](protocol.md#inflector)); the server maps both back to the name.",
    'A placeholder is only a hint: an untouched field arrives as `""` and the module applies the',
    "default its description states. **Jinja** parameters are rendered by MISP before the call",
    "([protocol.md](protocol.md#jinja-params)); **secret** ones accept `secret:NAME` and are kept",
    "out of logs and errors ([security.md](security.md)).",
    "",
    `Action modules: ${toc(actions)}`,
    "",
    `Expansion modules: ${toc(expansions)}`,
    "",
    '<a id="action-modules"></a>',
    "",
    "## Action modules",
    "",
    ...actions.flatMap((m) => actionSection(m, guides.get(m.name) ?? [])),
    '<a id="expansion-modules"></a>',
    "",
    "## Expansion modules",
    "",
    "Settings are declared to MISP as `Plugin.Enrichment_<module>_<setting>` and sent back in",
    "`config`; the server configuration can provide them too ([protocol.md](protocol.md#expansion-settings)).",
    "",
    ...expansions.flatMap((m) => expansionSection(m, guides.get(m.name) ?? [])),
  ]
    .join("\n")
    .replace(/\n+$/, "\n");
}
