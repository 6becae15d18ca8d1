import { register } from "node:module";
import { codeFileUrl, RUNNING_FROM_SOURCE } from "../../package-info.js";

// Lets a custom module file `import { defineActionModule } from "misp-modules-ts"` wherever
// its folder is (/opt/misp-modules, a temp dir), without a node_modules next to it: a Node
// resolve hook (module.register, Node 20.6+) maps the bare name to this running package's
// own entry, so the module shares the server's SDK instance (ModuleError, param kinds).
//
// The same hook makes module files ES modules whatever their folder says. Custom roots rarely
// have a package.json, so tsx would otherwise compile their .ts and .js files as CommonJS,
// whose require() bypasses ESM resolve hooks on Node 20 and then cannot find "misp-modules-ts".

export const SDK_SPECIFIER = "misp-modules-ts";

/** Query parameter the loader puts on module-file URLs: such files are always loaded as ES modules. */
export const MODULE_FILE_MARK = "misp-module-file";

/** How the loader must import TypeScript module files (see importModuleFile). */
export type TypeScriptMode = "native" | "tsImport";

interface ResolutionState {
  entry: string;
  typescript: TypeScriptMode;
  /** Set once tsx has been registered for the whole process (built package only). */
  tsxRegistered?: Promise<void>;
}

// One registration per process (createApp may run many times in tests); kept on globalThis
// so a second copy of this file (e.g. tsImport's namespaced one) does not register twice.
const STATE_KEY = Symbol.for("misp-modules-ts.sdk-resolution");
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: ResolutionState };

/** The file URL of this package's entry: src/index.ts under tsx/vitest, dist/index.js when built. */
export function sdkEntryUrl(): string {
  return codeFileUrl("index").href;
}

// Runs on Node's loader thread, so it is plain JavaScript shipped as a data: URL (no build
// step, no extra file to copy into dist/). Registered last, it runs before tsx's hooks.
const HOOK_SOURCE = `
let entry;
export function initialize(data) { entry = data.entry; }
const TS_FILE = /\\.ts$/;
const MARK = ${JSON.stringify(MODULE_FILE_MARK)};
export async function resolve(specifier, context, next) {
  // Resolved further down the chain so tsx still sees (and compiles) src/index.ts.
  if (specifier === ${JSON.stringify(SDK_SPECIFIER)}) return next(entry, context);
  const resolved = await next(specifier, context);
  if (resolved.format === "module" || !resolved.url.startsWith("file:")) return resolved;
  const url = new URL(resolved.url);
  // Module files (marked by the loader) and TypeScript outside node_modules are ES modules.
  if (url.searchParams.has(MARK) || (TS_FILE.test(url.pathname) && !url.pathname.includes("/node_modules/"))) {
    return { ...resolved, format: "module" };
  }
  return resolved;
}
`;

function detectTypeScriptMode(): TypeScriptMode {
  // Under vitest our own code runs through vite-node: native import() is not ours to use,
  // and tsx's tsImport (which imports natively from inside node_modules) is the way in.
  if (process.env.VITEST) return "tsImport";
  return "native";
}

function registerHook(entry: string): void {
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, { data: { entry } });
}

/**
 * Installs the resolution hook once per process (or worker thread). Returns how .ts files must
 * be imported. `mode` overrides the detection: module isolates run outside vitest's module
 * graph even when the server runs under it, so they import natively.
 */
export async function installSdkResolution(mode?: TypeScriptMode): Promise<ResolutionState> {
  const g = globalThis as GlobalWithState;
  const existing = g[STATE_KEY];
  if (existing) return existing;
  const state: ResolutionState = { entry: sdkEntryUrl(), typescript: mode ?? detectTypeScriptMode() };
  g[STATE_KEY] = state;
  registerHook(state.entry);
  return state;
}

/**
 * Makes TypeScript importable natively before the first .ts module file is imported. Running
 * from src/ (tsx), it already is; built (dist/), tsx is registered now — lazily, because it
 * costs ~150 ms of start-up that a server without TypeScript modules should not pay.
 */
export function ensureNativeTypeScript(): Promise<void> {
  const state = (globalThis as GlobalWithState)[STATE_KEY];
  if (!state || state.typescript !== "native" || RUNNING_FROM_SOURCE) return Promise.resolve();
  state.tsxRegistered ??= (async () => {
    const { register: registerTsx } = await import("tsx/esm/api");
    registerTsx();
    // Hooks registered later run first: ours must still see module files before tsx does.
    registerHook(state.entry);
  })();
  return state.tsxRegistered;
}

/** The mode chosen by installSdkResolution, or undefined before it ran. */
export function typeScriptMode(): TypeScriptMode | undefined {
  return (globalThis as GlobalWithState)[STATE_KEY]?.typescript;
}
