import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { moduleSetting, type Config } from "./config.js";
import { createHttpClient } from "../services/http/index.js";
import { closeGracefully } from "./inbound/shutdown.js";
import { SecretStore } from "../services/secrets/store.js";
import { loggerOptions } from "./logger.js";
import { prettyDestination, resolveLogFormat } from "./logger-pretty.js";
import { builtinRoot, loadRoot, type LoadOptions } from "./registry/loader.js";
import { ModuleRegistry, type LoadedModule } from "./registry/registry.js";
import { installSdkResolution } from "./registry/sdk-resolution.js";
import { watchModuleRoots } from "./registry/watcher.js";
import { gateLimitsFrom, ModuleGates } from "./runtime/concurrency.js";
import { createModuleContext } from "./runtime/context.js";
import { serverSettingsProblem } from "./runtime/server-settings-check.js";
import { IsolationHost } from "./isolation/host.js";
import { Outbox, sqliteBackend, storeExists } from "./outbox/outbox.js";
import { Sealer } from "./outbox/sealing.js";
import { Store } from "../services/store/store.js";
import { type GuardState, openGuardState } from "../services/guard-state/index.js";
import type { Services } from "./runtime/services.js";
import { VERSION } from "../package-info.js";
import { buildServer } from "./server.js";

// Wires configuration, services, the module registry and the HTTP server together.

export interface App {
  server: FastifyInstance;
  registry: ModuleRegistry;
  services: Services;
  config: Config;
  /** Custom module roots in use. */
  customRoots: string[];
  close(): Promise<void>;
}

export function createServices(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Services {
  return {
    config,
    log,
    env,
    secrets: new SecretStore({ file: config.secrets.file, envPrefix: config.secrets.envPrefix, env }),
    // config.http carries timeouts, caps, the per-origin connection limit, proxy, CA and egress rules.
    http: createHttpClient({ ...config.http, userAgent: `misp-modules-ts/${VERSION}` }),
    gates: new ModuleGates(gateLimitsFrom(config.concurrency, (m, k) => moduleSetting(config, m, k, env))),
  };
}

/** The outbox on the configured backend (docs/delivery.md). */
function createOutbox(config: Config, registry: ModuleRegistry, services: Services): Outbox {
  let sealer: Sealer | undefined;
  const openSealer = () =>
    (sealer ??= config.outbox.sealKey
      ? new Sealer(services.secrets.resolve(config.outbox.sealKey))
      : Sealer.fromDataDir(config.console.dataDir));
  const openBackend =
    config.outbox.backend === "redis"
      ? async () => (await import("./outbox/redis-backend.js")).openRedisOutbox(config, services.log)
      : sqliteBackend(config, () => services.store!());
  return new Outbox({ config, registry, services, openBackend, sealer: openSealer });
}

/** Longest wait for buffered log lines at shutdown. */
const LOG_FLUSH_MS = 5000;

/** init() has no deadline: its signal never aborts. */
const NEVER_ABORTED = new AbortController().signal;

/** Starts a module's optional init() in the background; queries wait for it, /modules does not. */
export function startInit(mod: LoadedModule, services: Services): void {
  const problem = serverSettingsProblem(mod, services);
  if (problem) {
    mod.state = "failed";
    mod.error = problem;
    services.log.error({ module: mod.name, err: problem }, "module server settings are invalid");
    return;
  }
  const init = mod.def.init;
  if (!init) return;
  mod.state = "initialising";
  const ctx = createModuleContext(mod, services, () => NEVER_ABORTED, Number.POSITIVE_INFINITY);
  mod.ready = Promise.resolve()
    .then(() => init.call(mod.def, ctx))
    .then(
      () => {
        mod.state = "ready";
      },
      (e: unknown) => {
        mod.state = "failed";
        mod.error = (e as Error)?.message ?? String(e);
        services.log.error({ module: mod.name, err: mod.error }, "module initialisation failed");
      },
    );
}

/** Custom roots: the configured ones, plus ./modules when it exists. */
export function customRootsFor(config: Config, cwd = process.cwd()): string[] {
  const roots = config.custom.map((d) => resolve(cwd, d));
  const local = resolve(cwd, "modules");
  if (existsSync(local) && !roots.includes(local)) roots.push(local);
  return roots;
}

export interface CreateAppOptions {
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where JSON log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
}

export async function createApp(config: Config, opts: CreateAppOptions = {}): Promise<App> {
  // Asynchronous writes to stdout (lines queue only while a write is in flight): a synchronous
  // write per query line cost ~10 % of the event loop under load. close() flushes the rest.
  // A terminal gets lines for people, anything else JSON (config.logFormat forces one).
  const destination =
    opts.logDestination ??
    (resolveLogFormat(config.logFormat) === "pretty" ? prettyDestination() : pino.destination({ dest: 1, sync: false }));
  const log = pino(loggerOptions(config.debug, opts.quiet) as object, destination);
  const services = createServices(config, log, opts.env);
  const registry = new ModuleRegistry();
  const customRoots = customRootsFor(config, opts.cwd);
  // Custom modules run in isolates of their own unless configured otherwise (docs/security.md,
  // "Custom modules are isolated"); built-in modules always run in this thread.
  const isolation =
    customRoots.length > 0 && config.isolation.mode === "worker" ? new IsolationHost({ config, env: services.env, log }) : undefined;
  const loadOpts: LoadOptions = { allowShadowing: config.allowShadowing, log, onLoaded: (m) => startInit(m, services), isolation };
  // `import ... from "misp-modules-ts"` must work in custom module files loaded in this thread.
  // The resolve hook runs in a loader thread of its own, so it is only installed when needed.
  if (customRoots.length > 0 && (!isolation || config.isolation.inProcess.length > 0)) await installSdkResolution();
  await loadRoot(builtinRoot(), "builtin", registry, loadOpts);
  for (const root of customRoots) {
    const report = await loadRoot(root, "custom", registry, loadOpts);
    log.info({ root, loaded: report.loaded, failed: report.failed.length }, "custom modules loaded");
  }
  // Spare isolates started alongside the modules: ready before the server listens, so that the
  // first hot reload or restart does not wait for one.
  await isolation?.sparesStarted();
  // Hot reload: added, edited and deleted custom module files change the registry in place.
  const watcher = config.watch && customRoots.length > 0 ? watchModuleRoots({ roots: customRoots, registry, load: loadOpts }) : undefined;
  // The console's data directory is relative to the working directory the app was given.
  if (opts.cwd) config.console.dataDir = resolve(opts.cwd, config.console.dataDir);
  // One store per data directory, shared by the console's journal and the outbox; opened on
  // first use so that a server without either creates no files.
  let store: Store | undefined;
  services.store = () =>
    (store ??= new Store({
      dataDir: config.console.dataDir,
      retentionMs: config.console.retentionDays * 86_400_000,
      maxBytes: config.console.maxBytes,
      payloadCap: config.console.payloadCap,
      log: log as never,
    }));
  // Guard state: on Redis when the server has one (--redis), else in the same store.
  let guardState: GuardState | undefined;
  services.guardState = () => (guardState ??= openGuardState({ redisUrl: config.outbox.redisUrl, store: () => services.store!(), log }));
  const outbox = config.outbox.backend === "off" ? undefined : createOutbox(config, registry, services);
  services.outbox = outbox;
  // Jobs left by a previous run are delivered without waiting for a new query.
  if (outbox && (config.outbox.backend === "redis" || storeExists(config.console.dataDir))) {
    await outbox.open().catch((e: unknown) => log.error({ err: (e as Error).message }, "outbox unavailable"));
  }
  const server = await buildServer({ config, registry, services, loggerInstance: log });
  return {
    server,
    registry,
    services,
    config,
    customRoots,
    close: async () => {
      await watcher?.close();
      // Queries in flight may finish within the grace (default: the query deadline); see docs/security.md.
      await closeGracefully(server, config.server.shutdownGraceMs ?? config.deadlineMs);
      // Deliveries in flight get the same grace; the rest stay stored for the next start.
      await outbox?.stop(config.server.shutdownGraceMs ?? config.deadlineMs);
      await isolation?.close();
      // Pooled outbound connections would otherwise keep the process alive.
      await services.http.close();
      await guardState?.close();
      store?.close();
      // Log lines are bounded, so a reader that is merely slow drains them in well under this;
      // a reader that stopped reading must not hold the process forever.
      await new Promise<void>((resolve) => {
        const giveUp = setTimeout(resolve, LOG_FLUSH_MS);
        giveUp.unref();
        log.flush(() => {
          clearTimeout(giveUp);
          resolve();
        });
      });
    },
  };
}
