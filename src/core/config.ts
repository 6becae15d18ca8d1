import { readFileSync } from "node:fs";
import { z } from "zod";
import { serverSettingEnvName } from "../sdk/server-settings.js";

// One schema for every setting, whatever its source. Precedence: defaults < config file
// (JSON) < environment variables < command-line flags.

const MiB = 1024 * 1024;

export const ConfigSchema = z.object({
  port: z.number().int().min(0).max(65535).default(6666),
  listen: z.string().min(1).default("127.0.0.1"),
  /** Custom module roots; each may contain action/, expansion/ (and action_mod/). */
  custom: z.array(z.string()).default([]),
  debug: z.boolean().default(false),
  /** Maximum /query body size in bytes (a 100 MB roaming-data body must work). */
  bodyLimit: z
    .number()
    .int()
    .positive()
    .default(256 * MiB),
  /** Server-side deadline per /query, below MISP's 10 s action timeout. */
  deadlineMs: z.number().int().positive().default(9000),
  /** A custom module may replace a built-in one only when this is true. */
  allowShadowing: z.boolean().default(false),
  /** Modules served but not listed by GET /modules. */
  hiddenModules: z.array(z.string()).default([]),
  /** Watch custom module folders and reload changed files. */
  watch: z.boolean().default(true),
  /** HTTPS on the main listener; with `ca`, clients must present a certificate it signed (docs/operations.md, "TLS"). */
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1), ca: z.string().min(1).optional() }).optional(),
  /** Clients (CIDR or single addresses, IPv4/IPv6) allowed to connect; empty: everyone (docs/operations.md, "Allow-from"). */
  allowFrom: z.array(z.string()).default([]),
  /** Log lines: auto (pretty on a terminal, JSON otherwise), json or pretty (docs/operations.md, "Logs"). */
  logFormat: z.enum(["auto", "json", "pretty"]).default("auto"),
  /** Bounds on inbound connections and request bodies, and on shutdown (docs/security.md, "Limits"). */
  server: z
    .object({
      /** A request body must arrive in full within this time of its headers. */
      bodyTimeoutMs: z.number().int().positive().default(30_000),
      /** An upload that sends nothing for this long is cut. */
      bodyIdleTimeoutMs: z.number().int().positive().default(10_000),
      /** Open connections at most; unset: derived from the file-descriptor limit (`ulimit -n`). */
      maxConnections: z.number().int().positive().optional(),
      /** Bytes all unfinished and in-process request bodies may hold together (at least bodyLimit). */
      pendingBodyBytes: z
        .number()
        .int()
        .positive()
        .default(512 * MiB),
      /** On SIGTERM/SIGINT, how long in-flight queries may still run; unset: deadlineMs. */
      shutdownGraceMs: z.number().int().nonnegative().optional(),
      /** A client must send its whole request head (line and headers) within this time (408, closed). */
      headersTimeoutMs: z.number().int().positive().default(10_000),
      /**
       * Backstop for receiving a whole request, head and body (Node's requestTimeout; 408 without
       * a JSON body). bodyTimeoutMs answers first; 0 turns it off. Raised to headersTimeoutMs +
       * bodyTimeoutMs + 1 s when set lower.
       */
      requestTimeoutMs: z.number().int().nonnegative().default(60_000),
      /** An idle keep-alive connection is closed after this long. */
      keepAliveTimeoutMs: z.number().int().positive().default(5_000),
      /**
       * A socket with no traffic at all for this long is destroyed, whatever its request is doing;
       * 0 (default) turns it off: every phase has its own bound, and a query allowed to run longer
       * than this would otherwise be cut without a reply (MISP counts that as success).
       */
      connectionTimeoutMs: z.number().int().nonnegative().default(0),
      /**
       * V8 grows its heaps to at most (1 + this/100) × what survived the last full collection;
       * 0 leaves V8 its own factor (up to 4×). Garbage of answered queries then waits less for a
       * full collection: RSS under load ~40 MB lower (docs/operations-runtime.md, "Memory").
       */
      heapGrowthPercent: z.number().int().min(0).max(1000).default(75),
    })
    .prefault({}),
  http: z
    .object({
      timeoutMs: z.number().int().positive().default(8000),
      maxResponseBytes: z
        .number()
        .int()
        .positive()
        .default(1 * MiB),
      /** Open connections per origin; further requests queue. Unset: the HTTP client's default (16). */
      maxConnectionsPerOrigin: z.number().int().positive().optional(),
      proxy: z.string().optional(),
      noProxy: z.string().optional(),
      caFile: z.string().optional(),
      denyPrivate: z.boolean().default(false),
      allow: z.array(z.string()).default([]),
    })
    .prefault({}),
  secrets: z
    .object({
      file: z.string().optional(),
      envPrefix: z.string().default("MISP_MODULES_SECRET_"),
    })
    .prefault({}),
  /** How custom modules run: each in a worker thread of its own (default) or in the server's thread. */
  isolation: z
    .object({
      mode: z.enum(["worker", "none"]).default("worker"),
      /** Custom modules run in the server's thread even when mode is "worker". */
      inProcess: z.array(z.string()).default([]),
      /** V8 heap per isolate, MB. */
      heapMb: z.number().int().min(16).default(256),
      /** Buffers and typed arrays per isolate (memory outside the V8 heap), MB. */
      bufferMb: z.number().int().min(16).default(512),
      /** Time a module file has to import, top-level code included. */
      importTimeoutMs: z.number().int().positive().default(10_000),
      /** Time an isolate's own runtime has to start (not counted in importTimeoutMs). */
      bootTimeoutMs: z.number().int().positive().default(30_000),
      /** Past a query's deadline, how long a silent isolate is given before it is stopped. */
      watchdogGraceMs: z.number().int().min(0).default(250),
      /** Longest pause between restarts of an isolate that keeps crashing. */
      maxRestartDelayMs: z.number().int().positive().default(30_000),
      /** Isolates started ahead of need, so that hot reloads and restarts skip the start-up. */
      spareWorkers: z.number().int().min(0).max(8).default(3),
    })
    .prefault({}),
  /** The console, its journal and MISP's workflow debug receiver (docs/console.md). */
  console: z
    .object({
      enabled: z.boolean().default(true),
      /** Required from every client when set; without it only loopback clients are served. */
      token: z.string().min(16, "the console token must be at least 16 characters").optional(),
      dataDir: z.string().min(1).default("./data"),
      capture: z.enum(["off", "metadata", "full"]).default("full"),
      retentionDays: z.number().positive().default(7),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * MiB),
      payloadCap: z
        .number()
        .int()
        .positive()
        .default(2 * MiB),
      /**
       * A listener of its own for MISP's debug posts, HOST:PORT, or "off". `serve` listens on
       * MISP's default debug URL (MISP_DEBUG_LISTEN) when nothing is said.
       */
      debugListen: z
        .string()
        .refine((v) => !debugListenAddress(v) || parseHostPort(v) !== undefined, 'debugListen must be HOST:PORT or "off"')
        .optional(),
    })
    .prefault({}),
  /** Queued deliveries: the durable outbox (docs/delivery.md). */
  outbox: z
    .object({
      /** sqlite: the embedded store in console.dataDir; redis: a BullMQ queue shared by several servers; off: every module sync. */
      backend: z.enum(["sqlite", "redis", "off"]).default("sqlite"),
      /** Redis URL for the redis backend (redis://host:6379/0). */
      redisUrl: z.string().optional(),
      /** Delivery mode of modules that say nothing (modules.<name>.delivery and the node's parameter win). */
      defaultMode: z.enum(["sync", "queued"]).default("sync"),
      /** Jobs waiting or in flight at most; beyond, a queued request is refused with an error. */
      maxJobs: z.number().int().positive().default(100_000),
      /** Dead letters kept at most (oldest removed first). */
      maxDead: z.number().int().positive().default(10_000),
      /** Delivered jobs are kept this long for the console and `outbox` (ms). */
      keepDeliveredMs: z
        .number()
        .int()
        .nonnegative()
        .default(24 * 3600 * 1000),
      /** Deliveries running at once, all destinations together. */
      concurrency: z.number().int().positive().default(16),
      /** Deliveries running at once per destination, unless set for it. */
      destinationConcurrency: z.number().int().positive().default(4),
      /** Per-destination limits by destination key or module name: { concurrency, perMinute }. */
      destinations: z
        .record(z.string(), z.object({ concurrency: z.number().int().positive().optional(), perMinute: z.number().positive().optional() }))
        .default({}),
      /** How often the worker looks for due jobs (ms); a new job wakes it at once. */
      pollMs: z.number().int().positive().default(1000),
      /** A claimed job not finished within this time is taken again (a process that died). */
      leaseMs: z.number().int().positive().default(60_000),
      /** Time one attempt may take (ms). */
      attemptTimeoutMs: z.number().int().positive().default(30_000),
      /** Waits before attempts 2, 3, ... (ms; the last repeats). Default in the spirit of Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
      retryScheduleMs: z
        .array(z.number().int().nonnegative())
        .min(1)
        .default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
      /** Attempts at most, the first included. */
      maxAttempts: z.number().int().positive().default(8),
      /** A job older than this is not tried again (ms; default 30 h). */
      maxAgeMs: z
        .number()
        .int()
        .positive()
        .default(30 * 3600 * 1000),
      /** Key that seals literal credentials in stored jobs (a secret:NAME reference is best); default: a key file in the data directory. */
      sealKey: z.string().optional(),
    })
    .prefault({}),
  /** GET /metrics for Prometheus (docs/operations-runtime.md, "Metrics"). */
  metrics: z
    .object({
      enabled: z.boolean().default(true),
      /** Distinct destination hosts labelled at most; later ones count as "other". */
      maxHosts: z.number().int().positive().default(50),
      /** nodejs_gc_duration_seconds: off by default, it costs about 1 % of the event loop under load. */
      gc: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Per-module concurrency caps (docs/operations-runtime.md): a module runs at most `max` queries at
   * once, `queue` more wait up to `queueTimeoutMs` (unset: half the query's deadline). A module's own
   * modules.<name>.maxConcurrent / maxQueued / queueTimeoutMs win.
   */
  concurrency: z
    .object({
      max: z.number().int().positive().default(32),
      queue: z.number().int().nonnegative().default(256),
      queueTimeoutMs: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Per-module settings: modules.<name>.<key> (also MISP_MODULES_<NAME>_<KEY> in the environment). */
  modules: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).default({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Where MISP posts its workflow debug stream unless told otherwise (Plugin.Workflow_debug_url's default). */
export const MISP_DEBUG_LISTEN = "127.0.0.1:27051";

/** The listener address `debugListen` asks for, or undefined for none ("off", empty). */
export function debugListenAddress(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && v.toLowerCase() !== "off" ? v : undefined;
}

/** HOST:PORT (an IPv6 host in brackets) as its parts; undefined when it is not that shape. */
export function parseHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/** Environment variables for the top-level flags (each flag can also come from the environment). */
export const ENV = {
  port: "MISP_MODULES_PORT",
  listen: "MISP_MODULES_LISTEN",
  custom: "MISP_MODULES_CUSTOM",
  debug: "MISP_MODULES_DEBUG",
  config: "MISP_MODULES_CONFIG",
  bodyLimit: "MISP_MODULES_BODY_LIMIT",
  deadlineMs: "MISP_MODULES_DEADLINE_MS",
  allowShadowing: "MISP_MODULES_ALLOW_SHADOWING",
  watch: "MISP_MODULES_WATCH",
  denyPrivate: "MISP_MODULES_DENY_PRIVATE",
  egressAllow: "MISP_MODULES_EGRESS_ALLOW",
  httpTimeoutMs: "MISP_MODULES_HTTP_TIMEOUT_MS",
  caFile: "MISP_MODULES_CA_FILE",
  proxy: "MISP_MODULES_PROXY",
  secretsFile: "MISP_MODULES_SECRETS_FILE",
  bodyTimeoutMs: "MISP_MODULES_BODY_TIMEOUT_MS",
  bodyIdleTimeoutMs: "MISP_MODULES_BODY_IDLE_TIMEOUT_MS",
  maxConnections: "MISP_MODULES_MAX_CONNECTIONS",
  pendingBodyBytes: "MISP_MODULES_PENDING_BODY_BYTES",
  shutdownGraceMs: "MISP_MODULES_SHUTDOWN_GRACE_MS",
  headersTimeoutMs: "MISP_MODULES_HEADERS_TIMEOUT_MS",
  requestTimeoutMs: "MISP_MODULES_REQUEST_TIMEOUT_MS",
  keepAliveTimeoutMs: "MISP_MODULES_KEEP_ALIVE_TIMEOUT_MS",
  connectionTimeoutMs: "MISP_MODULES_CONNECTION_TIMEOUT_MS",
  heapGrowthPercent: "MISP_MODULES_HEAP_GROWTH_PERCENT",
  isolation: "MISP_MODULES_ISOLATION",
  isolationHeapMb: "MISP_MODULES_ISOLATION_HEAP_MB",
  isolationBufferMb: "MISP_MODULES_ISOLATION_BUFFER_MB",
  console: "MISP_MODULES_CONSOLE",
  consoleToken: "MISP_MODULES_CONSOLE_TOKEN",
  dataDir: "MISP_MODULES_DATA_DIR",
  capture: "MISP_MODULES_CAPTURE",
  debugListen: "MISP_MODULES_DEBUG_LISTEN",
  outbox: "MISP_MODULES_OUTBOX",
  redisUrl: "MISP_MODULES_REDIS_URL",
  tlsCert: "MISP_MODULES_TLS_CERT",
  tlsKey: "MISP_MODULES_TLS_KEY",
  tlsCa: "MISP_MODULES_TLS_CA",
  allowFrom: "MISP_MODULES_ALLOW_FROM",
  logFormat: "MISP_MODULES_LOG_FORMAT",
  maxConcurrent: "MISP_MODULES_MAX_CONCURRENT",
  maxQueued: "MISP_MODULES_MAX_QUEUED",
  metrics: "MISP_MODULES_METRICS",
  metricsGc: "MISP_MODULES_METRICS_GC",
  workers: "MISP_MODULES_WORKERS",
} as const;

function envBool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  return /^(1|true|yes|on)$/i.test(v.trim());
}
function envInt(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`expected an integer, got "${v}"`);
  return n;
}
function envList(v: string | undefined): string[] | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  return v
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const http = definedOnly({
    denyPrivate: envBool(env[ENV.denyPrivate]),
    allow: envList(env[ENV.egressAllow]),
    timeoutMs: envInt(env[ENV.httpTimeoutMs]),
    caFile: env[ENV.caFile] || undefined,
    proxy: env[ENV.proxy] || undefined,
  });
  const secrets = definedOnly({ file: env[ENV.secretsFile] || undefined });
  const server = definedOnly({
    bodyTimeoutMs: envInt(env[ENV.bodyTimeoutMs]),
    bodyIdleTimeoutMs: envInt(env[ENV.bodyIdleTimeoutMs]),
    maxConnections: envInt(env[ENV.maxConnections]),
    pendingBodyBytes: envInt(env[ENV.pendingBodyBytes]),
    shutdownGraceMs: envInt(env[ENV.shutdownGraceMs]),
    headersTimeoutMs: envInt(env[ENV.headersTimeoutMs]),
    requestTimeoutMs: envInt(env[ENV.requestTimeoutMs]),
    keepAliveTimeoutMs: envInt(env[ENV.keepAliveTimeoutMs]),
    connectionTimeoutMs: envInt(env[ENV.connectionTimeoutMs]),
    heapGrowthPercent: envInt(env[ENV.heapGrowthPercent]),
  });
  const isolationMode = env[ENV.isolation]?.trim();
  if (isolationMode && isolationMode !== "worker" && isolationMode !== "none")
    throw new Error(`${ENV.isolation} must be "worker" or "none", got "${isolationMode}"`);
  const isolation = definedOnly({
    mode: isolationMode || undefined,
    heapMb: envInt(env[ENV.isolationHeapMb]),
    bufferMb: envInt(env[ENV.isolationBufferMb]),
  });
  const consoleCfg = definedOnly({
    enabled: envBool(env[ENV.console]),
    token: env[ENV.consoleToken] || undefined,
    dataDir: env[ENV.dataDir] || undefined,
    capture: (env[ENV.capture] || undefined) as "off" | "metadata" | "full" | undefined,
    debugListen: env[ENV.debugListen] || undefined,
  });
  const outboxBackend = env[ENV.outbox]?.trim();
  if (outboxBackend && !["sqlite", "redis", "off"].includes(outboxBackend))
    throw new Error(`${ENV.outbox} must be sqlite, redis or off, got "${outboxBackend}"`);
  const outbox = definedOnly({
    backend: (outboxBackend || (env[ENV.redisUrl] ? "redis" : undefined)) as "sqlite" | "redis" | "off" | undefined,
    redisUrl: env[ENV.redisUrl] || undefined,
  });
  const tls = definedOnly({ cert: env[ENV.tlsCert] || undefined, key: env[ENV.tlsKey] || undefined, ca: env[ENV.tlsCa] || undefined });
  const concurrency = definedOnly({ max: envInt(env[ENV.maxConcurrent]), queue: envInt(env[ENV.maxQueued]) });
  const metrics = definedOnly({ enabled: envBool(env[ENV.metrics]), gc: envBool(env[ENV.metricsGc]) });
  return definedOnly({
    tls: Object.keys(tls).length ? tls : undefined,
    allowFrom: env[ENV.allowFrom]
      ? env[ENV.allowFrom]!.split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    logFormat: (env[ENV.logFormat] || undefined) as "auto" | "json" | "pretty" | undefined,
    metrics: Object.keys(metrics).length ? metrics : undefined,
    concurrency: Object.keys(concurrency).length ? concurrency : undefined,
    port: envInt(env[ENV.port]),
    listen: env[ENV.listen] || undefined,
    custom: env[ENV.custom] ? env[ENV.custom]!.split(":").filter(Boolean) : undefined,
    debug: envBool(env[ENV.debug]),
    bodyLimit: envInt(env[ENV.bodyLimit]),
    deadlineMs: envInt(env[ENV.deadlineMs]),
    allowShadowing: envBool(env[ENV.allowShadowing]),
    watch: envBool(env[ENV.watch]),
    http: Object.keys(http).length ? http : undefined,
    secrets: Object.keys(secrets).length ? secrets : undefined,
    server: Object.keys(server).length ? server : undefined,
    isolation: Object.keys(isolation).length ? isolation : undefined,
    console: Object.keys(consoleCfg).length ? consoleCfg : undefined,
    outbox: Object.keys(outbox).length ? outbox : undefined,
  }) as ConfigInput;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object" && !Array.isArray(prev)
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function readConfigFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ConfigInput;
  } catch (e) {
    throw new Error(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Builds the effective configuration; throws an Error whose message names the bad setting. */
export function loadConfig(sources: { file?: string; flags?: ConfigInput; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = sources.env ?? process.env;
  const file = sources.file ?? env[ENV.config];
  let merged: Record<string, unknown> = {};
  if (file) merged = mergeDeep(merged, readConfigFile(file) as Record<string, unknown>);
  merged = mergeDeep(merged, configFromEnv(env) as Record<string, unknown>);
  merged = mergeDeep(merged, definedOnly(sources.flags ?? {}) as Record<string, unknown>);
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ");
    throw new Error(`invalid configuration: ${msg}`);
  }
  return parsed.data;
}

/** Server-side value of a module setting: config file first, then MISP_MODULES_<MODULE>_<KEY>. */
export function moduleSetting(config: Config, module: string, key: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = config.modules[module]?.[key];
  if (v !== undefined && v !== "") return String(v);
  const e = env[serverSettingEnvName(module, key)];
  return e === undefined || e === "" ? undefined : e;
}
