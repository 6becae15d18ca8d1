import type { Command } from "commander";
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join, resolve } from "node:path";
import { connect as tlsConnect, createSecureContext } from "node:tls";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { customRootsFor } from "../core/app.js";
import { ConfigSchema, ENV, loadConfig, readConfigFile, type Config } from "../core/config.js";
import { parseAllowFrom } from "../core/inbound/allow-from.js";
import { tlsServerOptions } from "../core/inbound/tls.js";
import { IsolationHost } from "../core/isolation/host.js";
import { builtinRoot, loadRoot } from "../core/registry/loader.js";
import { ModuleRegistry } from "../core/registry/registry.js";
import { installSdkResolution } from "../core/registry/sdk-resolution.js";
import { SECRET_PREFIX, SecretStore } from "../services/secrets/store.js";
import { exitAfterOutput } from "./exit.js";

// `misp-modules-ts check`: what would stop or hobble the server, one line per finding, for CI and
// systemd's ExecStartPre (docs/operations.md, "check"). Values of secrets are never printed.

export type Level = "ok" | "warn" | "error";
export interface Finding {
  level: Level;
  area: string;
  message: string;
}

export interface CheckOptions {
  config?: string;
  network?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Per connection attempt (Redis PING, --network probes). */
  timeoutMs?: number;
}

/** Unwraps default/prefault/optional/nullable down to the schema that describes the value. */
function core(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } };
  while (["default", "prefault", "optional", "nullable"].includes(s._zod.def.type) && s._zod.def.innerType)
    s = s._zod.def.innerType as unknown as typeof s;
  return s as unknown as z.ZodType;
}

/** Keys of the file the schema does not know (the server ignores them: usually a typo). */
export function unknownKeys(input: unknown, schema: z.ZodType = ConfigSchema, path = ""): string[] {
  const s = core(schema);
  if (!(s instanceof z.ZodObject) || input === null || typeof input !== "object" || Array.isArray(input)) return [];
  const shape = s.shape as Record<string, z.ZodType>;
  const out: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const where = path ? `${path}.${k}` : k;
    if (!(k in shape)) out.push(where);
    else out.push(...unknownKeys(v, shape[k]!, where));
  }
  return out;
}

/** Every string of the configuration (with its path) and every MISP_MODULES_* variable that is a secret reference. */
function secretReferences(config: Config, env: NodeJS.ProcessEnv): { where: string; ref: string }[] {
  const out: { where: string; ref: string }[] = [];
  const walk = (v: unknown, where: string) => {
    if (typeof v === "string" && v.startsWith(SECRET_PREFIX)) out.push({ where, ref: v });
    else if (v && typeof v === "object") for (const [k, c] of Object.entries(v)) walk(c, where ? `${where}.${k}` : k);
  };
  walk(config, "");
  for (const [k, v] of Object.entries(env))
    if (k.startsWith("MISP_MODULES_") && v?.startsWith(SECRET_PREFIX)) out.push({ where: `$${k}`, ref: v });
  return out;
}

function checkDataDir(config: Config, findings: Finding[], cwd: string): void {
  const used = config.console.enabled || config.outbox.backend === "sqlite";
  const dir = resolve(cwd, config.console.dataDir);
  if (!used)
    return void findings.push({
      level: "ok",
      area: "data",
      message: `data directory not used (console off, outbox ${config.outbox.backend})`,
    });
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.check-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    return void findings.push({
      level: "error",
      area: "data",
      message: `data directory ${dir} is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    });
  }
  findings.push({ level: "ok", area: "data", message: `data directory ${dir} is writable` });
}

async function checkSqlite(config: Config, findings: Finding[], cwd: string): Promise<void> {
  if (!(config.console.enabled || config.outbox.backend === "sqlite")) return;
  const dir = resolve(cwd, config.console.dataDir);
  const store = join(dir, "store.db");
  try {
    const Database = (await import("better-sqlite3")).default;
    if (existsSync(store)) {
      accessSync(store, constants.R_OK | constants.W_OK);
      const db = new Database(store, { readonly: true, fileMustExist: true });
      const result = db.pragma("quick_check", { simple: true });
      db.close();
      findings.push({ level: result === "ok" ? "ok" : "error", area: "sqlite", message: `store ${store}: integrity ${String(result)}` });
    } else {
      const probe = join(dir, `.check-${process.pid}.db`);
      const db = new Database(probe);
      db.exec("create table t (x integer)");
      db.close();
      rmSync(probe, { force: true });
      findings.push({ level: "ok", area: "sqlite", message: `SQLite opens in ${dir} (store created on first use)` });
    }
  } catch (e) {
    findings.push({ level: "error", area: "sqlite", message: `SQLite cannot open a store in ${dir}: ${(e as Error).message}` });
  }
}

/** scheme://host:port only: paths, queries and user info of a URL may carry credentials. */
function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "(unparsable URL)";
  }
}

async function checkRedis(config: Config, findings: Finding[], timeoutMs: number, secrets: SecretStore | undefined): Promise<void> {
  if (config.outbox.backend !== "redis") return;
  const raw = config.outbox.redisUrl;
  if (!raw) return void findings.push({ level: "error", area: "redis", message: "outbox.backend is redis but no redisUrl is set" });
  let url: string;
  try {
    url = secrets ? secrets.resolve(raw) : raw;
  } catch (e) {
    return void findings.push({ level: "error", area: "redis", message: (e as Error).message });
  }
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const pong = await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    findings.push({ level: pong === "PONG" ? "ok" : "error", area: "redis", message: `${safeUrl(url)} answered PING with ${pong}` });
  } catch (e) {
    findings.push({ level: "error", area: "redis", message: `${safeUrl(url)} does not answer: ${(e as Error).message}` });
  } finally {
    client.disconnect();
  }
}

async function checkModules(config: Config, findings: Finding[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  const registry = new ModuleRegistry();
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: () => false };
  const log = { ...quiet, child: () => quiet };
  const roots = customRootsFor(config, cwd);
  // Custom modules are imported as the server imports them (in isolates by default).
  const isolation =
    roots.length > 0 && config.isolation.mode === "worker" ? new IsolationHost({ config, env, log: log as never }) : undefined;
  try {
    if (roots.length > 0 && (!isolation || config.isolation.inProcess.length > 0)) await installSdkResolution();
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: config.allowShadowing, log });
    for (const root of roots) await loadRoot(root, "custom", registry, { allowShadowing: config.allowShadowing, log, isolation });
  } finally {
    await isolation?.close();
  }
  for (const f of registry.failureList())
    findings.push({ level: "error", area: "modules", message: `${f.name ?? f.file} does not load: ${f.error}` });
  findings.push({ level: "ok", area: "modules", message: `${registry.all().length} modules load (${roots.length} custom root(s))` });
}

interface Upstream {
  where: string;
  host: string;
  port: number;
  tls: boolean;
}

const DEFAULT_PORTS: Record<string, [number, boolean]> = {
  "http:": [80, false],
  "https:": [443, true],
  "smtp:": [25, false],
  "smtps:": [465, true],
  "redis:": [6379, false],
  "rediss:": [6379, true],
  "ldap:": [389, false],
  "ldaps:": [636, true],
  "tcp:": [0, false],
  "tls:": [0, true],
};

/** Upstreams of the configuration: URL-valued module settings, <x>host + <x>port pairs, the HTTP proxy. */
export function upstreams(config: Config, secrets: SecretStore | undefined): { targets: Upstream[]; problems: Finding[] } {
  const targets: Upstream[] = [];
  const problems: Finding[] = [];
  const value = (where: string, v: string): string | undefined => {
    try {
      return secrets ? secrets.resolve(v) : v;
    } catch (e) {
      problems.push({ level: "error", area: "network", message: `${where}: ${(e as Error).message}` });
      return undefined;
    }
  };
  const addUrl = (where: string, raw: string) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return;
    }
    const known = DEFAULT_PORTS[url.protocol];
    if (!known || !url.hostname) return;
    const port = url.port ? Number(url.port) : known[0];
    if (port > 0) targets.push({ where, host: url.hostname.replace(/^\[|\]$/g, ""), port, tls: known[1] });
  };
  for (const [module, settings] of Object.entries(config.modules)) {
    for (const [key, raw] of Object.entries(settings)) {
      if (typeof raw !== "string") continue;
      const v = value(`modules.${module}.${key}`, raw);
      if (v && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) addUrl(`modules.${module}.${key}`, v);
      const m = /^(.*?)(host|server)$/i.exec(key);
      if (m && v && !v.includes("/")) {
        const portKey = Object.keys(settings).find((k) => k.toLowerCase() === `${m[1]}port`.toLowerCase());
        const port = portKey ? Number(settings[portKey]) : Number.NaN;
        const tlsKey = Object.keys(settings).find(
          (k) => /^(.*_)?(tls|secure|ssl)$/i.test(k) && k.toLowerCase().startsWith(m[1]!.toLowerCase()),
        );
        const tls = tlsKey ? /^(1|true|yes|on)$/i.test(String(settings[tlsKey])) : port === 465;
        if (Number.isInteger(port) && port > 0) targets.push({ where: `modules.${module}.${key}`, host: v, port, tls });
      }
    }
  }
  if (config.http.proxy) {
    const v = value("http.proxy", config.http.proxy);
    if (v) addUrl("http.proxy", v);
  }
  return { targets, problems };
}

function probe(t: Upstream, timeoutMs: number, ca: Buffer | undefined): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = t.tls
      ? tlsConnect({
          host: t.host,
          port: t.port,
          servername: /^[\d.:]+$/.test(t.host) ? undefined : t.host,
          ca,
          ALPNProtocols: ["http/1.1"],
        })
      : tcpConnect({ host: t.host, port: t.port });
    const timer = setTimeout(() => finish(`no connection within ${timeoutMs} ms`), timeoutMs);
    function finish(error?: string) {
      clearTimeout(timer);
      socket.destroy();
      done(error);
    }
    // Nothing is written: a connection (and a verified TLS handshake) is all that is checked.
    socket.once(t.tls ? "secureConnect" : "connect", () => finish());
    socket.once("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
  });
}

async function checkNetwork(config: Config, findings: Finding[], timeoutMs: number, secrets: SecretStore | undefined): Promise<void> {
  const { targets, problems } = upstreams(config, secrets);
  findings.push(...problems);
  if (targets.length === 0) return void findings.push({ level: "ok", area: "network", message: "no upstream configured" });
  const ca = config.http.caFile ? readFileSync(config.http.caFile) : undefined;
  const results = await Promise.all(targets.map((t) => probe(t, timeoutMs, ca)));
  targets.forEach((t, i) => {
    const where = `${t.where} → ${t.host}:${t.port}${t.tls ? " (TLS)" : ""}`;
    const error = results[i];
    findings.push(
      error
        ? { level: "error", area: "network", message: `${where} unreachable: ${error}` }
        : { level: "ok", area: "network", message: `${where} reachable` },
    );
  });
}

/** Runs every check; never throws (a failure is a finding). */
export async function runCheck(opts: CheckOptions = {}): Promise<Finding[]> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const timeoutMs = opts.timeoutMs ?? 3000;
  const findings: Finding[] = [];
  const file = opts.config ?? env[ENV.config];
  if (file) {
    try {
      for (const key of unknownKeys(readConfigFile(file)))
        findings.push({ level: "warn", area: "config", message: `${file}: unknown key "${key}" (ignored)` });
    } catch (e) {
      findings.push({ level: "error", area: "config", message: (e as Error).message });
      return findings;
    }
  }
  let config: Config;
  try {
    config = loadConfig({ file, env });
  } catch (e) {
    findings.push({ level: "error", area: "config", message: (e as Error).message });
    return findings;
  }
  findings.push({ level: "ok", area: "config", message: `configuration valid (${file ?? "no file"}, environment, defaults)` });
  try {
    if (config.tls) {
      const tls = tlsServerOptions(config.tls)!;
      createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
      findings.push({ level: "ok", area: "tls", message: `certificate and key load${tls.ca ? ", client CA set (mutual TLS)" : ""}` });
    }
  } catch (e) {
    findings.push({ level: "error", area: "tls", message: (e as Error).message });
  }
  try {
    if (config.allowFrom.length) parseAllowFrom(config.allowFrom);
  } catch (e) {
    findings.push({ level: "error", area: "config", message: (e as Error).message });
  }
  let secrets: SecretStore | undefined;
  try {
    secrets = new SecretStore({ file: config.secrets.file, envPrefix: config.secrets.envPrefix, env });
  } catch (e) {
    findings.push({
      level: "error",
      area: "secrets",
      message: `secrets file ${config.secrets.file}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`,
    });
  }
  if (secrets)
    for (const { where, ref } of secretReferences(config, env)) {
      try {
        secrets.resolve(ref);
        findings.push({ level: "ok", area: "secrets", message: `${where}: ${ref} resolves` });
      } catch (e) {
        findings.push({ level: "error", area: "secrets", message: `${where}: ${(e as Error).message}` });
      }
    }
  checkDataDir(config, findings, cwd);
  if (!findings.some((f) => f.area === "data" && f.level === "error")) await checkSqlite(config, findings, cwd);
  await checkRedis(config, findings, timeoutMs, secrets);
  try {
    await checkModules(config, findings, env, cwd);
  } catch (e) {
    findings.push({ level: "error", area: "modules", message: `module loading failed: ${(e as Error).message}` });
  }
  if (opts.network) await checkNetwork(config, findings, timeoutMs, secrets);
  return findings;
}

export function formatFinding(f: Finding): string {
  return `${f.level.padEnd(5)}  ${f.area.padEnd(8)}  ${f.message}`;
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("validate configuration, secrets, data directory, Redis and modules (and upstreams with --network); exit 1 on errors")
    .option("--config <file>", `JSON configuration file [${ENV.config}]`)
    .option("--network", "also connect to every configured upstream (TCP/TLS, nothing sent)")
    .option("--json", "print the findings as JSON")
    .option("--timeout-ms <ms>", "per connection attempt (default 3000)")
    // Usage errors exit 2, distinct from findings (1).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (opts: { config?: string; network?: boolean; json?: boolean; timeoutMs?: string }) => {
      const timeoutMs = opts.timeoutMs === undefined ? undefined : Number(opts.timeoutMs);
      if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
        process.stderr.write(`misp-modules-ts check: --timeout-ms must be a positive integer\n`);
        process.exit(2);
      }
      const findings = await runCheck({ config: opts.config, network: opts.network, timeoutMs });
      if (opts.json) process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
      else for (const f of findings) process.stdout.write(formatFinding(f) + "\n");
      exitAfterOutput(findings.some((f) => f.level === "error") ? 1 : 0);
    });
}
