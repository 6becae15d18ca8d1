import type { Command } from "commander";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { builtinRoot, KIND_DIRS, listModuleFiles, type ModuleKind } from "../core/registry/loader.js";
import { moduleNameProblem } from "../core/registry/naming.js";
import { serverSettingEnvName } from "../sdk/server-settings.js";

// `misp-modules-ts new action|expansion NAME [--dir DIR]`: writes a working module file and
// a test that runs it the way MISP calls it, into the custom module root DIR (the folder
// `-c DIR` serves), so a running server with hot reload picks the module up at once.

export interface NewCommandOptions {
  kind: ModuleKind;
  name: string;
  /** Custom module root (default ./modules). */
  dir?: string;
  /** Overwrite existing files of the same name. */
  force?: boolean;
  cwd?: string;
}

export interface ScaffoldResult {
  moduleFile: string;
  testFile: string;
  /** package.json written into the root (type: module), when it had none. */
  manifest?: string;
}

/** Writes the module and its test; throws with a message fit for the user when it cannot. */
export function scaffoldModule(options: NewCommandOptions): ScaffoldResult {
  const { kind, name } = options;
  if (kind !== "action" && kind !== "expansion") throw new Error(`unknown module kind "${String(kind)}": use action or expansion`);
  const problem = moduleNameProblem(name, kind);
  if (problem) throw new Error(problem);
  if (listModuleFiles(builtinRoot()).some((m) => m.name === name)) {
    throw new Error(
      `"${name}" is the name of a built-in module; a custom module may not replace it (unless the server runs with allowShadowing)`,
    );
  }
  const root = resolve(options.cwd ?? process.cwd(), options.dir ?? "modules");
  const clash = listModuleFiles(root).find((m) => m.name === name);
  if (clash && !options.force) throw new Error(`a module named "${name}" already exists: ${clash.file} (use --force to overwrite)`);
  const folder = join(root, KIND_DIRS.find(([, k]) => k === kind)![0]);
  const moduleFile = join(folder, `${name}.ts`);
  const testFile = join(folder, `${name}.test.ts`);
  if (!options.force) {
    for (const f of [moduleFile, testFile]) if (existsSync(f)) throw new Error(`${f} already exists (use --force to overwrite)`);
  }
  mkdirSync(folder, { recursive: true });
  // Module files are ES modules (the server loads them so); say it for node, tsc and editors.
  const manifest = join(root, "package.json");
  const writeManifest = !existsSync(manifest);
  if (writeManifest) writeFileSync(manifest, `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`);
  // The test first: a watching server ignores *.test.ts, and the module then loads complete.
  writeFileSync(testFile, kind === "action" ? actionTest(name) : expansionTest(name));
  writeFileSync(moduleFile, kind === "action" ? actionModule(name) : expansionModule(name));
  return { moduleFile, testFile, manifest: writeManifest ? manifest : undefined };
}

export function registerNew(program: Command): void {
  program
    .command("new")
    .description("Write a new custom module and its test into a module root (served with -c DIR)")
    .argument("<kind>", "action or expansion")
    .argument("<name>", "module name: lower-case letters, digits and underscores (docs/protocol.md#naming)")
    .option("--dir <dir>", "custom module root, the folder given to -c (default ./modules)")
    .option("--force", "overwrite existing files")
    .addHelpText(
      "after",
      "\nExamples:\n  misp-modules-ts new action notify_soc\n  misp-modules-ts new expansion domain_labels --dir /opt/misp-modules",
    )
    .action((kind: string, name: string, flags: { dir?: string; force?: boolean }) => {
      let result: ScaffoldResult;
      try {
        result = scaffoldModule({ kind: kind as ModuleKind, name, dir: flags.dir, force: flags.force });
      } catch (e) {
        process.stderr.write(`misp-modules-ts new: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const show = (f: string) => {
        const rel = relative(process.cwd(), f);
        return rel === "" || rel.startsWith("..") ? f : rel;
      };
      const root = show(resolve(flags.dir ?? "modules"));
      process.stdout.write(
        [result.moduleFile, result.testFile, result.manifest]
          .filter((f) => f !== undefined)
          .map((f) => `created ${show(f)}\n`)
          .join("") +
          "\n" +
          `Serve it:  misp-modules-ts -c ${root}   (a running server with that root picks it up by itself)\n` +
          `Test it:   node --import tsx --test ${show(result.testFile)}\n` +
          (kind === "action"
            ? `Try it:    misp-modules-ts query ${name} -c ${root} --data examples/roaming/event-publish-tlp-white.json\n`
            : "") +
          `Guide:     docs/writing-modules.md\n`,
      );
    });
}

// ---- Templates. Generated code follows the repository style and must pass `tsc --strict`.

function actionModule(name: string): string {
  return `import { defineActionModule, ModuleError, param, serverSetting } from "misp-modules-ts";

// ${name}: a MISP workflow action. Scaffolded by \`misp-modules-ts new action ${name}\`;
// see docs/writing-modules.md. The file name is the module name; MISP shows the parameters
// in the order they are declared here. Helpers of this module alone go in action/_${name}/
// (a leading "_" is never loaded as a module; docs/architecture.md, "Placement rules").

export default defineActionModule({
  meta: {
    description: "Counts the values a hash path selects in the event, and can fail when there are none.",
    version: "0.1",
    author: "",
  },
  icon: { name: "calculator", class: "fas" },
  params: {
    // MISP renders this Jinja template against the roaming data and sends the result.
    message: param.template({ placeholder: "Event {{ Event.id }}: {{ Event.info }}", description: "Logged with the count; empty: the module name." }),
    // MISP extracts this path from the roaming data and sends the result in matchingData.
    values_path: param.hashPath({ placeholder: "Event._AttributeFlattened.{n}.value", description: "Values to count." }),
    require_values: param.boolean({ default: false, description: "Fail when the path selects nothing." }),
  },
  // Set by the server's operator, not in MISP: modules.${name}.max_values in the config file or
  // ${serverSettingEnvName(name, "max_values")} in the environment. A bad value fails the module at load;
  // the handler gets it typed in ctx.settings (docs/writing-modules.md#server-settings).
  serverSettings: {
    max_values: serverSetting.integer({ min: 1, default: 10000, description: "Values the path may select at most." }),
  },
  // With blocking: true a failure stops the workflow (and refuses the user's action on a
  // blocking trigger such as event-publish). Only a reply with "error" is a failure.
  blocking: false,
  handler({ params, matchingData }, ctx) {
    const values = matchingData.values_path;
    const count = Array.isArray(values) ? values.length : 0;
    if (params.require_values && count === 0) throw new ModuleError("the path matched no value");
    if (count > ctx.settings.max_values) throw new ModuleError(\`\${count} values, more than max_values (\${ctx.settings.max_values})\`);
    ctx.log.info({ count }, params.message || "${name}");
    // MISP ignores everything but "error"; the count shows up in local runs and tests.
    return { data: { count } };
  },
});
`;
}

/** Shared by both generated tests: where the package, its fixtures and its command line are. */
function testPreamble(kind: ModuleKind): string {
  return `import assert from "node:assert/strict";
import { ${kind === "action" ? "execFile" : "spawn, type ChildProcess"} } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
${kind === "action" ? 'import { test } from "node:test";' : 'import { after, before, test } from "node:test";'}
import { fileURLToPath, pathToFileURL } from "node:url";

// The module root is the folder served with -c; misp-modules-ts is the installed package
// (or the checkout) of the project this test is run from.
const moduleRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = dirname(createRequire(join(process.cwd(), "package.json")).resolve("misp-modules-ts/package.json"));
const fixture = join(pkg, "examples", "roaming", "event-publish-tlp-white.json");
const roaming = JSON.parse(readFileSync(fixture, "utf8")) as { Event: { id: string; _AttributeFlattened: Array<{ type: string; value: string; uuid: string }> } };

/** Node arguments that run the misp-modules-ts command line (TypeScript source in a checkout). */
function cli(): string[] {
  const source = join(pkg, "src", "cli.ts");
  if (!existsSync(source)) return [join(pkg, "dist", "cli.js")];
  return ["--import", pathToFileURL(createRequire(join(pkg, "package.json")).resolve("tsx")).href, source];
}
`;
}

function actionTest(name: string): string {
  return `// Runs ${name} the way MISP does: \`misp-modules-ts query\` builds the exact /query body of a
// workflow node from a roaming-data fixture (params keyed by id, hash paths extracted into
// matchingData, template params rendered first) and prints the module's reply.
// Run from your project: node --import tsx --test <module root>/action/${name}.test.ts
${testPreamble("action")}
/** Values stored in the node, by parameter name; the exit code is 1 when MISP would see a failure. */
function query(values: Record<string, string>, serverEnv: Record<string, string> = {}): Promise<{ code: number; reply: Record<string, unknown> }> {
  const params = Object.entries(values).flatMap(([k, v]) => ["--param", \`\${k}=\${v}\`]);
  const args = [...cli(), "query", "${name}", "--data", fixture, "--compact", ...params];
  // MISP_MODULES_CUSTOM is the environment form of -c: the module roots to load.
  const env = { ...process.env, MISP_MODULES_CUSTOM: moduleRoot, ...serverEnv };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      try {
        resolve({ code, reply: JSON.parse(stdout) as Record<string, unknown> });
      } catch {
        reject(new Error(\`no JSON reply (exit \${code}): \${stderr}\`));
      }
    });
  });
}

test("counts the values the hash path selects in the roaming data", async () => {
  const { code, reply } = await query({ values_path: "Event._AttributeFlattened.{n}.value", message: "Event {{ Event.id }} published" });
  assert.equal(code, 0);
  assert.deepEqual(reply, { data: { count: roaming.Event._AttributeFlattened.length } });
});

test("fails, with the module name in the error, when required values are missing", async () => {
  const { code, reply } = await query({ values_path: "Event._AttributeFlattened.{n}[type=no-such-type].value", require_values: "yes" });
  assert.equal(code, 1);
  assert.deepEqual(reply, { error: "${name}: the path matched no value" });
});

test("takes max_values from the server's environment, typed", async () => {
  const path = "Event._AttributeFlattened.{n}.value";
  const { code, reply } = await query({ values_path: path }, { ${serverSettingEnvName(name, "max_values")}: "1" });
  assert.equal(code, 1);
  assert.deepEqual(reply, { error: \`${name}: \${roaming.Event._AttributeFlattened.length} values, more than max_values (1)\` });
  // A value that is not a whole number fails the module at load, naming the key.
  const bad = await query({ values_path: path }, { ${serverSettingEnvName(name, "max_values")}: "many" });
  assert.equal(bad.code, 1);
  assert.match(String(bad.reply.error), /modules\\.${name}\\.max_values must be a whole number/);
});
`;
}

function expansionModule(name: string): string {
  return `import { defineExpansionModule, ModuleError, setting } from "misp-modules-ts";

// ${name}: a MISP enrichment (expansion/hover) module. Scaffolded by
// \`misp-modules-ts new expansion ${name}\`; see docs/writing-modules.md. Helpers of this
// module alone go in expansion/_${name}/ (a leading "_" is never loaded as a module;
// docs/architecture.md, "Placement rules").

export default defineExpansionModule({
  meta: { description: "Splits a domain name into its labels.", version: "0.1", author: "" },
  moduleType: ["expansion", "hover"],
  // Attribute types MISP offers this module for; it sends the value under the type's name.
  input: ["domain", "hostname"],
  output: ["text"],
  settings: {
    // An admin setting in MISP (Plugin.Enrichment_${name}_label_prefix), or server configuration.
    label_prefix: setting.text({ description: "Text put before each label.", default: "label: " }),
  },
  handler({ request, config }) {
    const value = [request.domain, request.hostname].find((v): v is string => typeof v === "string" && v !== "");
    // Becomes {"error": ..., "results": []}: MISP shows it, batch enrichment skips the attribute.
    if (value === undefined) throw new ModuleError("no domain or hostname value in the request");
    const labels = value.split(".").filter((label) => label !== "");
    return { results: [{ types: ["text"], values: labels.map((label) => \`\${config.label_prefix ?? ""}\${label}\`), comment: \`labels of \${value}\` }] };
  },
});
`;
}

function expansionTest(name: string): string {
  return `// Starts the real server on this module root and sends ${name} what MISP sends for an
// interactive enrichment of a domain attribute (docs/protocol.md#simplified-request).
// Run from your project: node --import tsx --test <module root>/expansion/${name}.test.ts
${testPreamble("expansion")}
let server: ChildProcess;
let url: string;

before(async () => {
  server = spawn(process.execPath, [...cli(), "-p", "0", "-l", "127.0.0.1", "-c", moduleRoot], { stdio: ["ignore", "pipe", "pipe"] });
  server.stderr!.resume();
  // The server logs one JSON line "misp-modules-ts listening" with the address it bound.
  url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (const line of buffered.split("\\n")) {
        if (line.includes('"misp-modules-ts listening"')) resolve((JSON.parse(line) as { address: string }).address);
      }
    });
    server.once("exit", (code) => reject(new Error(\`server exited (\${code}) before listening\`)));
  });
});

after(() => {
  server.kill();
});

async function query(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(\`\${url}/query\`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

test("returns the labels of a domain attribute from the roaming fixture", async () => {
  const attribute = roaming.Event._AttributeFlattened.find((a) => a.type === "domain")!;
  const reply = await query({ module: "${name}", domain: attribute.value, event_id: roaming.Event.id, attribute_uuid: attribute.uuid, config: { label_prefix: null } });
  const labels = attribute.value.split(".").map((label) => \`label: \${label}\`);
  assert.deepEqual(reply, { results: [{ types: ["text"], values: labels, comment: \`labels of \${attribute.value}\` }] });
});

test("answers an error with empty results when no value is sent", async () => {
  const reply = await query({ module: "${name}", domain: "", config: { label_prefix: "x" } });
  assert.deepEqual(reply, { error: "no domain or hostname value in the request", results: [] });
});
`;
}
