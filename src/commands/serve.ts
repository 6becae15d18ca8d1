import { Option, type Command } from "commander";
import cluster from "node:cluster";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { parseWorkers, runPrimary, WORKER_SLOT_ENV } from "../core/cluster/primary.js";
import { loggerOptions } from "../core/logger.js";
import { createApp } from "../core/app.js";
import { ENV, loadConfig, MISP_DEBUG_LISTEN, type ConfigInput } from "../core/config.js";
import { applyHeapGrowth } from "../core/heap-growth.js";
import { installProcessGuards, knownSecretValues } from "../core/isolation/stray-errors.js";

// The default command: load modules and serve HTTP until SIGINT/SIGTERM.

interface ServeFlags {
  port?: string;
  listen?: string;
  custom?: string[];
  debug?: boolean;
  config?: string;
  deadlineMs?: string;
  bodyLimit?: string;
  console?: boolean;
  consoleToken?: string;
  dataDir?: string;
  capture?: "off" | "metadata" | "full";
  debugListen?: string;
  retentionDays?: string;
  journalMaxBytes?: string;
  redis?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  allowFrom?: string;
  logFormat?: "auto" | "json" | "pretty";
  metrics?: boolean;
  workers?: string;
}

function toInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer, got "${v}"`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .addOption(new Option("-p, --port <port>", `port to listen on (default 6666) [${ENV.port}]`))
    .addOption(new Option("-l, --listen <address>", `address to listen on (default 127.0.0.1; 0.0.0.0 for all) [${ENV.listen}]`))
    .addOption(
      new Option(
        "-c, --custom <dir...>",
        `custom module root(s) with action/ and expansion/ folders; ./modules is loaded too whenever it exists [${ENV.custom}, ':'-separated]`,
      ),
    )
    .addOption(new Option("-d, --debug", `debug logging [${ENV.debug}]`))
    .addOption(new Option("--config <file>", `JSON configuration file [${ENV.config}]`))
    .addOption(new Option("--deadline-ms <ms>", `per-request deadline (default 9000) [${ENV.deadlineMs}]`))
    .addOption(new Option("--body-limit <bytes>", `maximum /query body size (default 268435456) [${ENV.bodyLimit}]`))
    .addOption(new Option("--no-console", `no console, journal or debug receiver routes [${ENV.console}=0]`))
    .addOption(
      new Option("--console-token <token>", `token the console requires (needed to reach it from other hosts) [${ENV.consoleToken}]`),
    )
    .addOption(new Option("--data-dir <dir>", `where the journal is kept (default ./data) [${ENV.dataDir}]`))
    .addOption(
      new Option("--capture <mode>", `what the journal records (default full) [${ENV.capture}]`).choices(["off", "metadata", "full"]),
    )
    .addOption(
      new Option(
        "--debug-listen <host:port|off>",
        `also receive MISP's workflow debug posts here, on a thread of its own (default ${MISP_DEBUG_LISTEN}, MISP's default debug URL) [${ENV.debugListen}]`,
      ),
    )
    .addOption(new Option("--retention-days <days>", "journal records older than this are removed (default 7)"))
    .addOption(new Option("--journal-max-bytes <bytes>", "journal size above which the oldest records go (default 1073741824)"))
    .addOption(
      new Option("--redis <url>", `keep the outbox of queued deliveries on Redis (BullMQ), shared by every server on it [${ENV.redisUrl}]`),
    )
    .addOption(new Option("--tls-cert <file>", `serve HTTPS with this PEM certificate (with --tls-key) [${ENV.tlsCert}]`))
    .addOption(new Option("--tls-key <file>", `PEM private key of --tls-cert [${ENV.tlsKey}]`))
    .addOption(new Option("--tls-ca <file>", `mutual TLS: only clients with a certificate signed by this CA [${ENV.tlsCa}]`))
    .addOption(new Option("--allow-from <cidr,...>", `only these client addresses/networks may connect [${ENV.allowFrom}]`))
    .addOption(
      new Option("--log-format <format>", `log lines: pretty on a terminal, JSON otherwise (default auto) [${ENV.logFormat}]`).choices([
        "auto",
        "json",
        "pretty",
      ]),
    )
    .addOption(new Option("--no-metrics", `no /metrics route [${ENV.metrics}=0]`))
    .addOption(
      new Option("--workers <n>", `server processes on the one port: a number or "auto" (one per core; default 1) [${ENV.workers}]`),
    )
    .action(async (flags: ServeFlags) => {
      const started = performance.now();
      const workers = parseWorkers(flags.workers ?? process.env[ENV.workers]);
      const input: ConfigInput = {
        port: toInt("--port", flags.port),
        listen: flags.listen,
        custom: flags.custom,
        debug: flags.debug,
        deadlineMs: toInt("--deadline-ms", flags.deadlineMs),
        bodyLimit: toInt("--body-limit", flags.bodyLimit),
      };
      const consoleFlags = Object.fromEntries(
        Object.entries({
          enabled: flags.console === false ? false : undefined,
          token: flags.consoleToken,
          dataDir: flags.dataDir,
          capture: flags.capture,
          debugListen: flags.debugListen,
          retentionDays: flags.retentionDays === undefined ? undefined : Number(flags.retentionDays),
          maxBytes: toInt("--journal-max-bytes", flags.journalMaxBytes),
        }).filter(([, v]) => v !== undefined),
      );
      if (Object.keys(consoleFlags).length) input.console = consoleFlags;
      if (flags.tlsCert || flags.tlsKey || flags.tlsCa) {
        // Flags complete what the file and environment set (e.g. the CA from the file, the pair from flags).
        input.tls = Object.fromEntries(
          Object.entries({ cert: flags.tlsCert, key: flags.tlsKey, ca: flags.tlsCa }).filter(([, v]) => v !== undefined),
        ) as ConfigInput["tls"];
      }
      if (flags.allowFrom)
        input.allowFrom = flags.allowFrom
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      if (flags.logFormat) input.logFormat = flags.logFormat;
      if (flags.redis) input.outbox = { backend: "redis", redisUrl: flags.redis };
      if (flags.metrics === false) input.metrics = { enabled: false };
      const config = loadConfig({ file: flags.config, flags: input });
      if (workers > 1 && cluster.isPrimary) {
        // The primary only forks and watches; each worker runs this command again (docs/operations-runtime.md).
        const log = pino(loggerOptions(config.debug) as object);
        await runPrimary(workers, log);
        log.info({}, "all workers stopped");
        process.exit(0);
      }
      // Before any module loads: the bound holds for every heap this process starts.
      applyHeapGrowth(config.server.heapGrowthPercent);
      const slot = process.env[WORKER_SLOT_ENV];
      // Each worker keeps its journal and outbox in a folder of its own (the store is one process's).
      if (cluster.isWorker && slot) config.console.dataDir = join(config.console.dataDir, `worker-${slot}`);
      // MISP posts its debug stream to 127.0.0.1:27051 unless told otherwise: listening there by
      // default makes "enable debug on the workflow" enough (docs/console.md, "Debug receiver").
      // With workers, worker 1 alone listens (a second bind would fail), so every post of a run
      // reaches one journal.
      config.console.debugListen ??= MISP_DEBUG_LISTEN;
      if (cluster.isWorker && slot !== "1") config.console.debugListen = undefined;
      const app = await createApp(config);
      // A module's stray exception or rejection is logged; the server keeps serving (MISP fails open).
      const secrets = knownSecretValues(config, app.services.env, app.services.secrets);
      installProcessGuards(app.server.log, () => secrets);
      const address = await app.server.listen({ port: config.port, host: config.listen });
      app.server.log.info(
        {
          address,
          modules: app.registry.all().length,
          failed: app.registry.failureList().length,
          startupMs: Math.round(performance.now() - started),
        },
        "misp-modules-ts listening",
      );
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        // New connections are refused at once; queries in flight get the grace (docs/security.md, "Shutdown").
        // A second signal of the same kind has no handler left and ends the process at once.
        app.server.log.info({ signal, graceMs: config.server.shutdownGraceMs ?? config.deadlineMs }, "shutting down");
        app.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
}
