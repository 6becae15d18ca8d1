import { readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { codePath } from "../../package-info.js";
import { definitionFromExports } from "./definition.js";
import { prepareModule, type LoadedModule, type ModuleRegistry, type ModuleSource } from "./registry.js";
import { ensureNativeTypeScript, MODULE_FILE_MARK, typeScriptMode } from "./sdk-resolution.js";
import type { IsolationHost } from "../isolation/host.js";

// Discovers module files and turns them into registry entries. Built-ins live in
// src/modules/{action,expansion}; custom roots follow the reference layout (action/,
// action_mod/, expansion/). The module's name is its file name. Only files directly in those
// folders are modules: sub-folders and `_`-prefixed files hold helpers (docs/architecture.md).

export type ModuleKind = "action" | "expansion";

/** Sub-folders of a module root and the kind of module they hold. */
export const KIND_DIRS: ReadonlyArray<[string, ModuleKind]> = [
  ["action", "action"],
  ["action_mod", "action"],
  ["expansion", "expansion"],
];

const LOADABLE = new Set([".ts", ".mts", ".js", ".mjs"]);

export interface ModuleFile {
  file: string;
  name: string;
  kind: ModuleKind;
}

export function moduleNameFromFile(file: string): string {
  return basename(file, extname(file));
}

/** Whether a file in a module folder is a module (tests, declarations and `_private` files are not). */
export function isModuleFile(file: string): boolean {
  const base = basename(file);
  if (base.startsWith("_") || base.startsWith(".")) return false;
  if (/\.(test|spec)\.[mc]?[jt]s$/.test(base) || /\.d\.[mc]?ts$/.test(base)) return false;
  return LOADABLE.has(extname(base));
}

export function listModuleFiles(root: string): ModuleFile[] {
  const out: ModuleFile[] = [];
  for (const [dir, kind] of KIND_DIRS) {
    const full = join(root, dir);
    let entries: string[];
    try {
      entries = readdirSync(full).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      const file = join(full, e);
      if (!isModuleFile(file)) continue;
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      out.push({ file, name: moduleNameFromFile(file), kind });
    }
  }
  return out;
}

/**
 * Imports a module file. TypeScript is compiled on the fly with tsx (no build step for
 * module authors); `fresh` bypasses the ESM cache so an edited file is really re-read.
 */
let freshImports = 0;

export async function importModuleFile(file: string, fresh = false): Promise<unknown> {
  const url = pathToFileURL(resolve(file));
  url.searchParams.set(MODULE_FILE_MARK, "");
  if (fresh) url.searchParams.set("v", `${Date.now()}-${++freshImports}`);
  // Once the SDK resolution is installed, TypeScript loads natively (one shared instance of
  // the SDK for the server and its modules); under vitest, tsImport is the only native way in.
  const mode = typeScriptMode();
  if (mode === "tsImport" || (mode === undefined && /\.m?ts$/.test(file))) {
    const { tsImport } = await import("tsx/esm/api");
    return tsImport(url.href, import.meta.url);
  }
  if (/\.m?ts$/.test(file)) await ensureNativeTypeScript();
  return import(url.href);
}

/**
 * Built-in module files never change while the process runs, so each is imported once per
 * process. Without this, every app a process creates (the test suites create hundreds) compiled
 * and evaluated every module graph again through tsx's tsImport.
 */
const builtinImports = new Map<string, Promise<unknown>>();
function importBuiltin(file: string): Promise<unknown> {
  let p = builtinImports.get(file);
  if (!p) {
    p = importModuleFile(file);
    builtinImports.set(file, p);
    p.catch(() => builtinImports.delete(file));
  }
  return p;
}

/**
 * Imports, validates and prepares one module file; throws with a message fit for the log.
 * With an isolation host, a custom module is imported in an isolate of its own instead.
 */
export async function loadModuleFile(
  mf: ModuleFile,
  source: ModuleSource,
  fresh = false,
  isolation?: IsolationHost,
): Promise<LoadedModule> {
  if (isolation && source === "custom" && isolation.appliesTo(mf.name)) return isolation.load(mf);
  const exports = source === "builtin" && !fresh ? await importBuiltin(mf.file) : await importModuleFile(mf.file, fresh);
  const def = definitionFromExports(exports);
  if (def.kind !== mf.kind) throw new Error(`${mf.kind} folder holds a module of kind "${def.kind}"`);
  return prepareModule(mf.name, mf.file, def, source);
}

/** The folder of built-in modules (src/modules under tsx/vitest, dist/modules when built). */
export function builtinRoot(): string {
  return codePath("modules");
}

export interface LoadReport {
  loaded: string[];
  failed: Array<{ file: string; error: string }>;
}

export interface LoadOptions {
  allowShadowing: boolean;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Called for every module accepted into the registry (used to start init()). */
  onLoaded?: (mod: LoadedModule) => void;
  /** Runs custom modules in isolates (src/core/isolation); in the server's thread without it. */
  isolation?: IsolationHost;
}

/** Loads every module of a root into the registry. A broken file is reported, never fatal. */
export async function loadRoot(root: string, source: ModuleSource, registry: ModuleRegistry, opts: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { loaded: [], failed: [] };
  const files = listModuleFiles(root);
  // Import in parallel: start-up time is dominated by module imports.
  const results = await Promise.allSettled(files.map((mf) => loadModuleFile(mf, source, false, opts.isolation)));
  files.forEach((mf, i) => {
    const r = results[i]!;
    if (r.status === "rejected") {
      const error = (r.reason as Error)?.message ?? String(r.reason);
      registry.recordFailure({ file: mf.file, name: mf.name, error, at: new Date() });
      opts.log.error({ module: mf.name, file: mf.file, err: error }, "module failed to load; skipped");
      report.failed.push({ file: mf.file, error });
      return;
    }
    const refused = admissionProblem(r.value, registry, opts.allowShadowing);
    if (refused) {
      r.value.isolate?.release();
      registry.recordFailure({ file: mf.file, name: mf.name, error: refused, at: new Date() });
      opts.log.error({ module: mf.name, file: mf.file, err: refused }, "module refused");
      report.failed.push({ file: mf.file, error: refused });
      return;
    }
    registry.set(r.value);
    opts.onLoaded?.(r.value);
    report.loaded.push(mf.name);
  });
  return report;
}

/** Why a loaded module may not enter the registry (name clashes), or undefined. */
export function admissionProblem(mod: LoadedModule, registry: ModuleRegistry, allowShadowing: boolean): string | undefined {
  const existing = registry.get(mod.name);
  if (!existing || existing.file === mod.file) return undefined;
  if (existing.source === "builtin" && mod.source === "custom") {
    return allowShadowing
      ? undefined
      : `custom module "${mod.name}" (${mod.file}) would shadow the built-in module of the same name; set allowShadowing to permit it`;
  }
  return `module name "${mod.name}" is already served by ${existing.file}`;
}
