import { createHash } from "node:crypto";
import { existsSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  admissionProblem,
  builtinRoot,
  isModuleFile,
  KIND_DIRS,
  listModuleFiles,
  loadModuleFile,
  type LoadOptions,
  type ModuleFile,
} from "./loader.js";
import type { LoadedModule, ModuleRegistry } from "./registry.js";

// Hot reload of custom module roots. Every file-system event only schedules a rescan; the
// rescan compares file contents with what was last loaded, so editors' bursts of events,
// atomic saves (write + rename) and folders created later all come down to one code path.
// A request already running keeps the module object it started with (the runtime took it
// from the registry); replacing the registry entry only affects later requests.

export interface ModuleWatcherOptions {
  roots: readonly string[];
  registry: ModuleRegistry;
  load: LoadOptions;
  /** Quiet time after the last event before rescanning (editors write in several steps). */
  debounceMs?: number;
}

interface FileState {
  mf: ModuleFile;
  /** Content hash of the version last tried (loaded or failed): unchanged files are skipped. */
  hash: string;
}

const DEFAULT_DEBOUNCE_MS = 40;
const KIND_DIR_NAMES = new Set(KIND_DIRS.map(([dir]) => dir));

function contentHash(file: string): string | undefined {
  try {
    return createHash("sha1").update(readFileSync(file)).digest("hex");
  } catch {
    return undefined; // vanished between listing and reading: the next rescan sees it gone
  }
}

function errorText(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

/** The closest existing folder at or above `dir`, and the name of its child towards `dir`. */
function nearestExisting(dir: string): { dir: string; child?: string } {
  let child: string | undefined;
  let current = dir;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    child = basename(current);
    current = parent;
  }
  return { dir: current, child };
}

export class ModuleWatcher {
  private readonly roots: readonly string[];
  private readonly registry: ModuleRegistry;
  private readonly load: LoadOptions;
  private readonly debounceMs: number;
  private readonly files = new Map<string, FileState>();
  /** Open fs watchers by folder. */
  private readonly watches = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private closed = false;

  constructor(opts: ModuleWatcherOptions) {
    this.roots = opts.roots;
    this.registry = opts.registry;
    this.load = opts.load;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  }

  /** Takes the current files as the loaded baseline and starts watching. */
  start(): this {
    for (const root of this.roots) {
      for (const mf of listModuleFiles(root)) {
        const hash = contentHash(mf.file);
        if (hash !== undefined) this.files.set(mf.file, { mf, hash });
      }
    }
    this.attachWatches();
    return this;
  }

  /** Resolves once no rescan is scheduled or running (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.timer || this.pending) {
        await new Promise((r) => setTimeout(r, this.debounceMs));
        continue;
      }
      const current = this.running;
      await current;
      if (current === this.running && !this.timer && !this.pending) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    await this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pending = true;
      // Rescans never overlap: the next one starts after the current one.
      this.running = this.running.then(async () => {
        this.pending = false;
        if (this.closed) return;
        try {
          await this.rescan();
        } catch (e) {
          this.load.log.error({ err: errorText(e) }, "module folder rescan failed");
        }
      });
    }, this.debounceMs);
  }

  /** Folders to watch: each root and its kind folders, or the closest ancestor of a missing root. */
  private wantedWatches(): Map<string, (name: string | null) => boolean> {
    const wanted = new Map<string, (name: string | null) => boolean>();
    for (const root of this.roots) {
      if (!existsSync(root)) {
        const { dir, child } = nearestExisting(root);
        wanted.set(dir, (name) => name === null || name === child);
        continue;
      }
      wanted.set(root, (name) => name === null || KIND_DIR_NAMES.has(name));
      for (const [sub] of KIND_DIRS) {
        const dir = join(root, sub);
        if (existsSync(dir)) wanted.set(dir, (name) => name === null || isModuleFile(name));
      }
    }
    return wanted;
  }

  private attachWatches(): void {
    if (this.closed) return;
    const wanted = this.wantedWatches();
    // Every watch is opened afresh: a folder deleted and created again between two rescans has
    // the same path (often the same inode number) but the old watch no longer sees anything.
    // The rescan that follows lists the folders after this point, so no change is lost.
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    for (const [dir, relevant] of wanted) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (relevant(name === null ? null : String(name))) this.schedule();
        });
        // A watched folder that is deleted errors on some platforms: drop it and rescan.
        watcher.on("error", () => {
          watcher.close();
          if (this.watches.get(dir) === watcher) this.watches.delete(dir);
          this.schedule();
        });
        this.watches.set(dir, watcher);
      } catch (e) {
        this.load.log.warn({ dir, err: errorText(e) }, "cannot watch module folder");
      }
    }
  }

  private async rescan(): Promise<void> {
    this.attachWatches();
    const present = new Map<string, ModuleFile>();
    for (const root of this.roots) for (const mf of listModuleFiles(root)) present.set(mf.file, mf);

    const removedNames = new Set<string>();
    for (const [file, st] of this.files) {
      if (present.has(file)) continue;
      this.files.delete(file);
      if (this.removeFile(st.mf)) removedNames.add(st.mf.name);
    }

    const toLoad: Array<{ mf: ModuleFile; hash: string; known: boolean }> = [];
    for (const mf of present.values()) {
      const hash = contentHash(mf.file);
      if (hash === undefined) continue;
      const st = this.files.get(mf.file);
      // A file whose name was just freed (its rival removed) gets another chance.
      const retry = removedNames.has(mf.name) && this.registry.get(mf.name)?.file !== mf.file;
      if (st && st.hash === hash && !retry) continue;
      this.files.set(mf.file, { mf, hash });
      toLoad.push({ mf, hash, known: st !== undefined });
    }
    for (const name of removedNames) {
      if (!this.registry.get(name) && !toLoad.some((t) => t.mf.name === name)) await this.restoreBuiltin(name);
    }

    // Import in parallel, admit in a fixed order.
    const results = await Promise.allSettled(toLoad.map((t) => loadModuleFile(t.mf, "custom", true, this.load.isolation)));
    toLoad.forEach((t, i) => {
      const r = results[i]!;
      if (r.status === "fulfilled") this.admit(t.mf, r.value, t.known);
      else this.reportFailure(t.mf, errorText(r.reason));
    });
  }

  private admit(mf: ModuleFile, mod: LoadedModule, known: boolean): void {
    const refused = admissionProblem(mod, this.registry, this.load.allowShadowing);
    if (refused) {
      mod.isolate?.release();
      this.reportFailure(mf, refused);
      return;
    }
    const replaced = this.registry.get(mod.name)?.file === mf.file;
    this.registry.set(mod);
    this.load.onLoaded?.(mod);
    this.load.log.info(
      { module: mf.name, file: mf.file },
      replaced ? "module reloaded" : known ? "module loaded after an earlier failure" : "module added",
    );
  }

  /** Keeps the last good version (if any) in the registry and records why the new one failed. */
  private reportFailure(mf: ModuleFile, error: string): void {
    const served = this.registry.get(mf.name);
    if (served && served.file === mf.file) {
      const text = `reload failed, still serving the version loaded at ${served.loadedAt.toISOString()}: ${error}`;
      this.registry.recordFailure({ file: mf.file, name: mf.name, error: text, at: new Date() });
      this.load.log.error({ module: mf.name, file: mf.file, err: error }, "module reload failed; serving the last good version");
      return;
    }
    this.registry.recordFailure({ file: mf.file, name: mf.name, error, at: new Date() });
    this.load.log.error({ module: mf.name, file: mf.file, err: error }, "module failed to load; skipped");
  }

  /** Forgets a deleted file; returns whether it was the one serving its name. */
  private removeFile(mf: ModuleFile): boolean {
    this.registry.clearFailure(mf.file);
    if (this.registry.get(mf.name)?.file !== mf.file) return false;
    this.registry.delete(mf.name);
    this.load.log.info({ module: mf.name, file: mf.file }, "module removed");
    return true;
  }

  /** A removed custom module that shadowed a built-in (allowShadowing) gives the name back to it. */
  private async restoreBuiltin(name: string): Promise<void> {
    const mf = listModuleFiles(builtinRoot()).find((m) => m.name === name);
    if (!mf) return;
    try {
      const mod = await loadModuleFile(mf, "builtin");
      this.registry.set(mod);
      this.load.onLoaded?.(mod);
      this.load.log.info({ module: name }, "built-in module serves its name again");
    } catch (e) {
      this.load.log.error({ module: name, err: errorText(e) }, "could not restore the built-in module");
    }
  }
}

/** Starts watching custom module roots (config.watch); returns the watcher to close on shutdown. */
export function watchModuleRoots(opts: ModuleWatcherOptions): ModuleWatcher {
  return new ModuleWatcher(opts).start();
}
