import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { addObserver, removeObserver } from "../core/runtime/observers.js";
import { isLoopback } from "../core/inbound/loopback.js";
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Config, debugListenAddress } from "../core/config.js";
import {
  extractStrict,
  formatPathWarning,
  lintPath,
  parsePhpJson,
  phpJsonEncode,
  evaluateFilter,
  FILTER_OPERATORS,
  type NodeFilter,
} from "../engines/cakephp-hash/index.js";
import { buildActionQueryBody, findNodeParam, nodeFromDescriptor } from "../core/misp-request/index.js";
import { describeRenderFailure, isTemplateError, renderTemplateInPool } from "../engines/jinja/pool.js";
import { codePath, PACKAGE_ROOT } from "../package-info.js";
import type { ModuleRegistry } from "../core/registry/registry.js";
import type { Services } from "../core/runtime/services.js";
import { Store } from "../services/store/store.js";
import { Journal, REPLAY_HEADER, type CaptureMode } from "./journal.js";
import { scrub } from "./masking.js";
import { refusalLogger } from "../core/inbound/allow-from.js";
import { startDebugListenerThread, type DebugListener } from "./debug-listener.js";
import type { RawPost, ReceiverStats } from "./receiver.js";
import { JournalWriter } from "./writer.js";
import { registerOutboxApi } from "./outbox-api.js";
import { planReplay, ReplayError, scrubReply } from "./replay.js";
import {
  ApiError,
  ExtractBody,
  FilterBody,
  HashParams,
  IdParams,
  NameParams,
  QueryListParams,
  RenderBody,
  ReplayBody,
  RunListParams,
  TryBody,
} from "./schemas.js";

// The console as one Fastify plugin (docs/console.md): the journal (a query observer), MISP's
// debug receiver, the JSON API and the UI. server.ts registers it in one place; nothing in the
// core knows it exists.

export const CONSOLE_PREFIX = "/console";
export const RECEIVER_PREFIX = "/workflow-debug";
const SESSION_COOKIE = "mmts_console";
const SESSION_MS = 12 * 3600 * 1000;

export interface ConsolePluginOptions {
  config: Config;
  registry: ModuleRegistry;
  services: Services;
}

/** MISP's debug posts as the HTTP side sees them: queued at once, processed on the writer thread. */
export interface PostQueue {
  accept(post: RawPost): void;
  readonly stats: ReceiverStats;
  /** Resolves once every post queued so far is processed and written. */
  settle(): Promise<void>;
}

export interface ConsoleHandle {
  store: Store;
  /** Reads on the server's connection; records go to the writer thread. */
  journal: Journal;
  writer: JournalWriter;
  receiver: PostQueue;
  debugServer?: DebugListener;
}

class ApiFailure extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export { isLoopback };

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export function parseSince(v: string | undefined, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(v);
  if (m) return now - Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiFailure(400, `not a date or duration: ${JSON.stringify(v)}`);
  return t;
}

function limitOf(v: string | undefined, def = 50): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (n < 1 || n > 500) throw new ApiFailure(400, "limit must be between 1 and 500");
  return n;
}

function dataFrom(body: { data?: unknown; dataText?: string }): unknown {
  if (typeof body.dataText === "string") {
    try {
      return parsePhpJson(body.dataText.replace(/^\uFEFF/, ""));
    } catch (e) {
      throw new ApiFailure(400, `data is not valid JSON: ${(e as Error).message}`);
    }
  }
  return body.data ?? {};
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

const UI_FILES: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "index.html": "text/html; charset=utf-8",
};

/** Starts the store, journal and receiver; returns undefined pieces never (a bad data dir gives a store that is off). */
export function openConsole(config: Config, registry: ModuleRegistry, services: Services): ConsoleHandle {
  const c = config.console;
  // The app shares one store with the outbox (services.store); alone, the console opens its own.
  const store =
    services.store?.() ??
    new Store({
      dataDir: c.dataDir,
      retentionMs: c.retentionDays * 86_400_000,
      maxBytes: c.maxBytes,
      payloadCap: c.payloadCap,
      log: services.log as never,
    });
  const journal = new Journal(store, registry, c.capture as CaptureMode);
  // One writer thread owns the journal's writes (docs/console.md, "Writer thread").
  const writer = new JournalWriter(store, journal, registry, { log: services.log as never });
  const receiver: PostQueue = {
    accept: (post) => writer.accept(post),
    stats: writer.receiverStats,
    settle: () => writer.sync(),
  };
  // The runtime's generic hook: nothing in the core names the journal.
  addObserver(services, journal);
  return { store, journal, writer, receiver };
}

/** MISP's debug posts on a listener of their own, served by a thread of its own (debug-listener.ts). */
export async function startDebugListener(
  receiver: PostQueue,
  address: string,
  bodyLimit: number,
  log: Services["log"],
  allowFrom: string[] = [],
): Promise<DebugListener> {
  const listener = await startDebugListenerThread(address, bodyLimit, (post) => receiver.accept(post), {
    allowFrom,
    onRefused: refusalLogger(log, undefined, "debug"),
  });
  log.info({ address }, "workflow debug receiver listening");
  return listener;
}

export async function consolePlugin(app: FastifyInstance, opts: ConsolePluginOptions): Promise<void> {
  const { config, registry, services } = opts;
  const handle = openConsole(config, registry, services);
  const { store, journal, receiver, writer } = handle;
  const token = config.console.token;
  const sessions = new Map<string, number>();
  // A listener that cannot start (its port taken, say by a second server) leaves the main-port
  // receiver working: the server starts, says why once, and the console shows it.
  const listenAt = debugListenAddress(config.console.debugListen);
  let listenError: string | undefined;
  if (listenAt) {
    try {
      handle.debugServer = await startDebugListener(receiver, listenAt, config.bodyLimit, services.log, config.allowFrom);
    } catch (e) {
      listenError = (e as Error).message;
      services.log.warn(
        { address: listenAt, reason: listenError },
        `workflow debug listener not started; MISP's debug posts are received on the main port only (${RECEIVER_PREFIX})`,
      );
    }
  }
  app.addHook("onClose", async () => {
    if (handle.debugServer) await handle.debugServer.close();
    // Nothing handed to the writer thread is lost: it settles and writes everything before it exits.
    removeObserver(services, journal);
    await writer.close();
    journal.digester.stop();
    if (!services.store) store.close();
  });
  if (!store.ok && store.state.ok === false) services.log.error({ reason: store.state.reason }, "console journal off");

  // --- MISP's debug receiver on the main port: its own parsers, and 200 in every case. ---
  await app.register(async (r) => {
    r.removeAllContentTypeParsers();
    r.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body));
    r.setErrorHandler((_err, _req, reply) => reply.code(200).header("connection", "close").type("text/plain").send("ok\n"));
    const handler = (req: FastifyRequest, reply: FastifyReply) => {
      reply.code(200).type("text/plain").send("ok\n");
      if (req.method === "POST") {
        const url = req.url.slice(RECEIVER_PREFIX.length) || "/";
        receiver.accept({
          url,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.from(""),
          receivedAt: Date.now(),
          contentType: req.headers["content-type"],
        });
      }
    };
    r.route({ method: ["POST", "GET", "PUT"], url: `${RECEIVER_PREFIX}/*`, schema: { hide: true }, handler });
    r.route({ method: ["POST", "GET"], url: RECEIVER_PREFIX, schema: { hide: true }, handler });
  });

  // --- The console: access control, API and UI. ---
  await app.register(async (c) => {
    c.removeAllContentTypeParsers();
    c.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      const text = body as string;
      if (text.trim() === "") return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch (e) {
        done(new ApiFailure(400, `the body is not valid JSON: ${(e as Error).message}`), undefined);
      }
    });
    c.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    c.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
      const status = err instanceof ApiFailure || err instanceof ReplayError ? err.statusCode : (err.statusCode ?? 500);
      if (status >= 500) {
        req.log.error({ err: err.message }, "console error");
        return reply.code(status).send({ error: "internal error in the console; see the server log" });
      }
      if (status === 415) return reply.code(415).send({ error: "send JSON (Content-Type: application/json)" });
      return reply.code(status).send({ error: err.message.replace(/^(body|querystring|params)\/?:?\s*/, "") });
    });

    const authenticated = (req: FastifyRequest): boolean => {
      if (!token) return isLoopback(req.socket.remoteAddress);
      const auth = req.headers.authorization;
      if (auth?.startsWith("Bearer ")) return timingSafeEqual(digest(auth.slice(7)), digest(token));
      const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const exp = sid ? sessions.get(sid) : undefined;
      return exp !== undefined && exp > Date.now();
    };

    c.addHook("onRequest", async (req, reply) => {
      const path = req.url.split("?")[0]!;
      const isApi = path.startsWith(`${CONSOLE_PREFIX}/api/`);
      if (path === `${CONSOLE_PREFIX}/login` || path.startsWith(`${CONSOLE_PREFIX}/assets/`)) {
        if (!token && !isLoopback(req.socket.remoteAddress))
          return reply.code(403).send({ error: "the console answers loopback clients only; set --console-token to open it to others" });
        return;
      }
      if (!authenticated(req)) {
        if (!token)
          return reply.code(403).send({ error: "the console answers loopback clients only; set --console-token to open it to others" });
        if (isApi)
          return reply
            .code(401)
            .header("www-authenticate", 'Bearer realm="console"')
            .send({ error: "authentication required: Authorization: Bearer <console token>, or log in at /console/login" });
        return reply.redirect(`${CONSOLE_PREFIX}/login`, 303);
      }
      // CSRF: state-changing calls must be JSON (a cross-site form cannot send that without a
      // preflight we never grant) and, when the browser says where it comes from, same-origin.
      if (req.method !== "GET" && req.method !== "HEAD") {
        const origin = req.headers.origin;
        if (origin && origin !== "null") {
          let host = "";
          try {
            host = new URL(origin).host;
          } catch {
            /* a bad origin is a foreign one */
          }
          if (host !== req.headers.host) return reply.code(403).send({ error: "cross-origin request refused" });
        } else if (origin === "null") return reply.code(403).send({ error: "cross-origin request refused" });
        if (path !== `${CONSOLE_PREFIX}/logout` && !String(req.headers["content-type"] ?? "").startsWith("application/json")) {
          return reply.code(415).send({ error: "send JSON (Content-Type: application/json)" });
        }
      }
    });

    // Login: the token in a form, a session cookie back.
    c.get(`${CONSOLE_PREFIX}/login`, { schema: { hide: true } }, (_req, reply) =>
      reply.type("text/html; charset=utf-8").send(loginPage("")),
    );
    c.post(`${CONSOLE_PREFIX}/login`, { schema: { hide: true } }, (req, reply) => {
      const given = (req.body as { token?: unknown } | undefined)?.token;
      if (!token) return reply.redirect(`${CONSOLE_PREFIX}/`, 303);
      if (typeof given !== "string" || !timingSafeEqual(digest(given), digest(token))) {
        return reply.code(401).type("text/html; charset=utf-8").send(loginPage("Wrong token."));
      }
      const sid = randomBytes(32).toString("base64url");
      sessions.set(sid, Date.now() + SESSION_MS);
      for (const [k, exp] of sessions) if (exp < Date.now()) sessions.delete(k);
      return reply
        .header("set-cookie", `${SESSION_COOKIE}=${sid}; Path=${CONSOLE_PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`)
        .redirect(`${CONSOLE_PREFIX}/`, 303);
    });
    c.post(`${CONSOLE_PREFIX}/logout`, { schema: { hide: true } }, (req, reply) => {
      const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (sid) sessions.delete(sid);
      return reply
        .header("set-cookie", `${SESSION_COOKIE}=; Path=${CONSOLE_PREFIX}; HttpOnly; SameSite=Strict; Max-Age=0`)
        .redirect(`${CONSOLE_PREFIX}/login`, 303);
    });

    // UI: three local files, no CDN.
    const uiDir = codePath("console/ui");
    const cache = new Map<string, Buffer>();
    const sendUi = (file: string, reply: FastifyReply) => {
      const type = UI_FILES[file];
      const path = join(uiDir, file);
      if (!type || !existsSync(path)) return reply.code(404).send({ error: `no such console file: ${file}` });
      let buf = cache.get(file);
      if (!buf) cache.set(file, (buf = readFileSync(path)));
      return reply
        .type(type)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .header(
          "content-security-policy",
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        .send(buf);
    };
    c.get(CONSOLE_PREFIX, { schema: { hide: true } }, (_req, reply) => reply.redirect(`${CONSOLE_PREFIX}/`, 302));
    c.get(`${CONSOLE_PREFIX}/`, { schema: { hide: true } }, (_req, reply) => sendUi("index.html", reply));
    c.get(`${CONSOLE_PREFIX}/assets/:file`, { schema: { hide: true } }, (req, reply) =>
      sendUi((req.params as { file: string }).file, reply),
    );

    const api = `${CONSOLE_PREFIX}/api`;
    const tags = ["console"];
    // Readers see everything handed to the writer thread before their request (one round trip when idle).
    c.addHook("preHandler", async (req) => {
      if (req.url.startsWith(`${api}/`)) await writer.sync();
    });

    registerOutboxApi(c, api, services);
    c.get(
      `${api}/status`,
      { schema: { tags, summary: "Journal, store and receiver state; the debug URL to paste into MISP" } },
      async (req) => {
        const host = req.headers.host ?? `${config.listen}:${config.port}`;
        return {
          journal: {
            enabled: journal.enabled,
            capture: journal.capture,
            reason: store.state.ok ? writer.reason : store.state.reason,
            recorded: journal.recorded,
          },
          store: {
            ok: store.ok,
            sizeBytes: store.sizeBytes(),
            pendingWrites: store.pending,
            droppedWrites: store.dropped + writer.dropped + writer.skipped,
            writerRestarts: writer.restarts,
            retentionDays: config.console.retentionDays,
            maxBytes: config.console.maxBytes,
            payloadCap: config.console.payloadCap,
          },
          receiver: { ...receiver.stats },
          debugUrl: `${req.protocol}://${host}${RECEIVER_PREFIX}`,
          debugListen: handle.debugServer && listenAt ? `http://${listenAt}` : null,
          debugListenError: listenError ? `${listenAt}: ${listenError}` : null,
          auth: token ? "token" : "loopback",
        };
      },
    );

    c.get(
      `${api}/queries`,
      { schema: { tags, summary: "Recorded /query calls, newest first", querystring: QueryListParams, response: { 400: ApiError } } },
      async (req) => {
        const q = req.query as ReturnType<typeof QueryListParams.parse>;
        const page = journal.listQueries({
          module: q.module,
          outcome: q.outcome,
          since: parseSince(q.since),
          until: parseSince(q.until),
          text: q.q,
          before: q.before === undefined ? undefined : Number(q.before),
          runId: q.run === undefined ? undefined : Number(q.run),
          limit: limitOf(q.limit),
        });
        return { items: page.items.map(queryView), next: page.next };
      },
    );

    c.get(
      `${api}/queries/:id`,
      {
        schema: {
          tags,
          summary: "One recorded query with its request and reply (secrets masked)",
          params: IdParams,
          response: { 404: ApiError },
        },
      },
      async (req) => {
        const id = Number((req.params as { id: string }).id);
        const row = journal.getQuery(id);
        if (!row) throw new ApiFailure(404, `no recorded query with id ${id}`);
        const payload = (h: string | null) => {
          if (!h) return null;
          const p = store.getPayload(h);
          return p ? { hash: h, size: p.size, truncated: p.truncated, text: p.body } : { hash: h, size: 0, truncated: false, text: null };
        };
        return {
          ...queryView(row),
          headers: row.headers ? JSON.parse(row.headers) : null,
          request: payload(row.request_hash),
          reply: payload(row.reply_hash),
        };
      },
    );

    c.post(
      `${api}/queries/:id/replay`,
      {
        schema: {
          tags,
          summary: "Replay a recorded query against the current module, optionally with edited parameters",
          params: IdParams,
          body: ReplayBody,
          response: { 404: ApiError, 409: ApiError },
        },
      },
      async (req) => {
        const id = Number((req.params as { id: string }).id);
        const edits = (req.body as { params?: Record<string, unknown> }).params ?? {};
        const plan = planReplay(journal, registry, id, edits, await writer.originals(id));
        const res = await app.inject({
          method: "POST",
          url: "/query",
          headers: { "content-type": "application/json", [REPLAY_HEADER]: String(id) },
          payload: JSON.stringify(plan.body),
        });
        let reply: unknown = res.body;
        try {
          reply = JSON.parse(scrubReply(res.body, plan.secrets));
        } catch {
          reply = scrubReply(res.body, plan.secrets);
        }
        let old: unknown = plan.originalReply;
        try {
          old = plan.originalReply === null ? null : JSON.parse(plan.originalReply);
        } catch {
          /* shown as text */
        }
        return { replayOf: id, status: res.statusCode, old, new: reply };
      },
    );

    c.get(
      `${api}/runs`,
      { schema: { tags, summary: "Workflow runs seen on the debug stream, newest first", querystring: RunListParams } },
      async (req) => {
        const q = req.query as ReturnType<typeof RunListParams.parse>;
        store.flush();
        const where: string[] = [];
        const args: unknown[] = [];
        if (q.trigger) where.push("trigger = ?"), args.push(q.trigger);
        if (q.outcome) where.push("outcome = ?"), args.push(q.outcome);
        const since = parseSince(q.since);
        if (since !== undefined) where.push("started >= ?"), args.push(since);
        if (q.before) where.push("id < ?"), args.push(Number(q.before));
        const limit = limitOf(q.limit);
        const rows = store.db
          ? (store.db
              .prepare(`SELECT * FROM journal_runs ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`)
              .all(...args, limit + 1) as Array<Record<string, unknown>>)
          : [];
        const more = rows.length > limit;
        if (more) rows.pop();
        return { items: rows.map(runView), next: more ? rows[rows.length - 1]!.id : null, dropped: receiver.stats.dropped };
      },
    );

    c.get(
      `${api}/runs/:id`,
      {
        schema: {
          tags,
          summary: "One run: its posts in order, with our /query records attached",
          params: IdParams,
          response: { 404: ApiError },
        },
      },
      async (req) => {
        const id = Number((req.params as { id: string }).id);
        await receiver.settle();
        const run = store.db?.prepare("SELECT * FROM journal_runs WHERE id = ?").get(id) as Record<string, unknown> | undefined;
        if (!run) throw new ApiFailure(404, `no run with id ${id}`);
        const posts = store.db!.prepare("SELECT * FROM journal_posts WHERE run_id = ? ORDER BY id").all(id) as Array<
          Record<string, unknown>
        >;
        const queries = journal.listQueries({ runId: id, limit: 500 }).items.map(queryView);
        return {
          ...runView(run),
          posts: posts.map((p) => ({
            id: p.id,
            ts: p.ts,
            phase: p.phase,
            moduleId: p.module_id,
            nodeId: p.node_id,
            result: p.result,
            message: p.message,
            outcome: p.outcome,
            errors: p.errors ? JSON.parse(p.errors as string) : null,
            params: p.params ? JSON.parse(p.params as string) : null,
            filters: p.filters ? JSON.parse(p.filters as string) : null,
            dataHash: p.data_hash,
            dataSize: p.data_size,
            durationMs: p.duration_ms,
            queryId: p.query_id,
            mispTimestamp: p.misp_ts,
          })),
          queries,
        };
      },
    );

    c.get(`${api}/posts/malformed`, { schema: { tags, summary: "Debug posts that could not be read" } }, async () => {
      store.flush();
      const rows = store.db
        ? store.db.prepare("SELECT id, ts, path, malformed FROM journal_posts WHERE malformed IS NOT NULL ORDER BY id DESC LIMIT 100").all()
        : [];
      return { items: rows };
    });

    c.get(
      `${api}/payloads/:hash`,
      { schema: { tags, summary: "A stored payload (masked; cut at the payload cap)", params: HashParams, response: { 404: ApiError } } },
      async (req) => {
        const p = store.getPayload((req.params as { hash: string }).hash);
        if (!p) throw new ApiFailure(404, "no such payload (never stored, or removed by retention)");
        return { size: p.size, truncated: p.truncated, text: p.body };
      },
    );

    // Roaming-data fixtures of a checkout (test/fixtures/roaming), for the playgrounds.
    const fixtureDir = join(PACKAGE_ROOT, "test", "fixtures", "roaming");
    c.get(`${api}/fixtures`, { schema: { tags, summary: "Bundled roaming-data fixtures (in a source checkout)" } }, async () => ({
      items: existsSync(fixtureDir)
        ? readdirSync(fixtureDir)
            .filter((f) => f.endsWith(".json"))
            .sort()
        : [],
    }));
    c.get(
      `${api}/fixtures/:name`,
      { schema: { tags, summary: "One roaming-data fixture, as text", params: NameParams, response: { 404: ApiError } } },
      async (req) => {
        const name = (req.params as { name: string }).name;
        if (!/^[\w.-]+\.json$/.test(name) || !existsSync(join(fixtureDir, name)))
          throw new ApiFailure(404, `no fixture named ${JSON.stringify(name)}`);
        return { name, text: readFileSync(join(fixtureDir, name), "utf8") };
      },
    );

    c.post(
      `${api}/render`,
      { schema: { tags, summary: "Render a Jinja template as MISP's jinja_template_rendering would", body: RenderBody } },
      async (req) => {
        const b = req.body as { template: string; data?: unknown; dataText?: string };
        const data = dataFrom(b);
        try {
          return { ok: true, text: await renderTemplateInPool(b.template, data, { timeoutMs: 5000 }) };
        } catch (e) {
          const te = isTemplateError(e) ? e : undefined;
          return { ok: false, error: describeRenderFailure(e), kind: te?.kind ?? null, line: te?.line ?? null, column: te?.column ?? null };
        }
      },
    );

    c.post(`${api}/extract`, { schema: { tags, summary: "CakePHP Hash::extract of a path over data", body: ExtractBody } }, async (req) => {
      const b = req.body as { path: string; data?: unknown; dataText?: string };
      // Every path CakePHP accepts is evaluated as MISP would; suspicious ones come with warnings
      // (docs/hash-paths.md, "Warnings"), the same the extract and query commands print.
      const warnings: string[] = lintPath(b.path).map(formatPathWarning);
      try {
        const result = extractStrict(dataFrom(b), b.path, (w) => warnings.push(String(w)));
        return { ok: true, result: JSON.parse(phpJsonEncode(result)), warnings };
      } catch (e) {
        if (e instanceof ApiFailure) throw e;
        return { ok: false, error: (e as Error).message, warnings };
      }
    });

    c.post(
      `${api}/filter`,
      { schema: { tags, summary: "MISP's node filter: which items survive, under which keys", body: FilterBody } },
      async (req) => {
        const b = req.body as { selector: string; path: string; operator: string; value: unknown; data?: unknown; dataText?: string };
        if (!FILTER_OPERATORS.includes(b.operator as never))
          throw new ApiFailure(400, `operator must be one of ${FILTER_OPERATORS.join(", ")}`);
        const warnings: string[] = [];
        try {
          const evaluation = evaluateFilter(
            dataFrom(b),
            { selector: b.selector, path: b.path, operator: b.operator, value: b.value } as NodeFilter,
            (w) => warnings.push(String(w)),
          );
          return {
            ok: true,
            items: JSON.parse(phpJsonEncode(evaluation.items)),
            kept: evaluation.kept.map((k) => ({ key: k.key, item: JSON.parse(phpJsonEncode(k.item)) })),
            warnings,
          };
        } catch (e) {
          if (e instanceof ApiFailure) throw e;
          return { ok: false, error: (e as Error).message, warnings };
        }
      },
    );

    c.get(
      `${api}/modules`,
      { schema: { tags, summary: "Every module with its parameters or settings, load status and load errors" } },
      async () => {
        return {
          modules: registry.all().map((m) => {
            let node: ReturnType<typeof nodeFromDescriptor> | undefined;
            try {
              node = m.def.kind === "action" ? nodeFromDescriptor(JSON.parse(JSON.stringify(m.descriptor))) : undefined;
            } catch {
              node = undefined;
            }
            return {
              name: m.name,
              kind: m.def.kind,
              source: m.source,
              state: m.state,
              error: m.error ?? null,
              file: m.source === "custom" ? m.file : null,
              description: (m.descriptor as { meta?: { description?: string } }).meta?.description ?? "",
              nodeId: node?.nodeId ?? null,
              blocking: node?.blocking ?? null,
              supportFilters: node?.supportFilters ?? null,
              expectMispCoreFormat: node?.expectMispCoreFormat ?? null,
              params: m.params.map((p) => ({
                name: p.name,
                id: p.id,
                label: p.label,
                secret: p.spec.secret,
                placeholder: node?.params.find((x) => x.id === p.id)?.placeholder ?? "",
                jinja: node?.params.find((x) => x.id === p.id)?.jinjaSupported ?? false,
                hashPath: node?.params.find((x) => x.id === p.id)?.isHashPath ?? false,
              })),
              settings: Object.entries(
                (m.def as { settings?: Record<string, { description?: string; secret?: boolean }> }).settings ?? {},
              ).map(([k, s]) => ({ name: k, description: s.description ?? "", secret: !!s.secret })),
              descriptor: m.descriptor,
            };
          }),
          failures: registry.failureList().map((f) => ({ file: f.file, name: f.name ?? null, error: f.error, at: f.at.toISOString() })),
        };
      },
    );

    c.post(
      `${api}/modules/:name/try`,
      {
        schema: {
          tags,
          summary: "Build the request MISP would send to a module and run it",
          params: NameParams,
          body: TryBody,
          response: { 404: ApiError },
        },
      },
      async (req) => {
        const name = (req.params as { name: string }).name;
        const b = req.body as ReturnType<typeof TryBody.parse>;
        const mod = registry.get(name);
        if (!mod) throw new ApiFailure(404, `no module named ${JSON.stringify(name)}`);
        let body: Record<string, unknown>;
        if (mod.def.kind === "action") {
          const node = nodeFromDescriptor(JSON.parse(JSON.stringify(mod.descriptor)));
          const values: Record<string, string> = {};
          for (const [k, v] of Object.entries(b.params)) {
            const p = findNodeParam(node, k);
            if (!p)
              throw new ApiFailure(
                400,
                `module ${name} has no parameter ${JSON.stringify(k)}; its parameters: ${node.params.map((x) => x.name).join(", ") || "none"}`,
              );
            values[p.id] = v;
          }
          const renderJinja = async (template: string, data: unknown) => {
            try {
              return await renderTemplateInPool(template, data);
            } catch {
              return "";
            }
          };
          body = await buildActionQueryBody({ node, data: dataFrom(b), values, filter: b.filter as NodeFilter | undefined, renderJinja });
        } else {
          const attribute = b.attribute ?? {};
          body = {
            module: name,
            attribute,
            ...(typeof attribute.type === "string" ? { [attribute.type]: attribute.value } : {}),
            config: b.config ?? {},
          };
        }
        const text = phpJsonEncode(body);
        const requestShown = JSON.parse(
          scrub(
            text,
            Object.values(b.params).filter(
              (_v, i) => mod.params.find((p) => Object.keys(b.params)[i] === p.name || Object.keys(b.params)[i] === p.id)?.spec.secret,
            ),
          ),
        );
        if (b.dryRun) return { request: requestShown, status: null, reply: null };
        const res = await app.inject({ method: "POST", url: "/query", headers: { "content-type": "application/json" }, payload: text });
        let reply: unknown = res.body;
        try {
          reply = JSON.parse(res.body);
        } catch {
          /* shown as text */
        }
        return { request: requestShown, status: res.statusCode, reply };
      },
    );
  });
}

function queryView(r: {
  id: number;
  ts: number;
  module: string;
  kind: string | null;
  outcome: string;
  duration_ms: number;
  error: string | null;
  req_id: string | null;
  params: string | null;
  outbound: string | null;
  request_size: number | null;
  reply_size: number | null;
  run_id: number | null;
  post_id: number | null;
  replay_of: number | null;
}) {
  return {
    id: r.id,
    ts: r.ts,
    time: new Date(r.ts).toISOString(),
    module: r.module,
    kind: r.kind,
    outcome: r.outcome,
    durationMs: r.duration_ms,
    error: r.error,
    reqId: r.req_id,
    params: r.params ? JSON.parse(r.params) : null,
    outbound: r.outbound ? JSON.parse(r.outbound) : [],
    requestSize: r.request_size,
    replySize: r.reply_size,
    runId: r.run_id,
    postId: r.post_id,
    replayOf: r.replay_of,
  };
}

function runView(r: Record<string, unknown>) {
  return {
    id: r.id,
    trigger: r.trigger,
    kind: r.kind,
    blocking: r.blocking === null ? null : r.blocking === 1,
    started: r.started,
    time: new Date(r.started as number).toISOString(),
    ended: r.ended,
    outcome: r.outcome,
    nodes: r.nodes,
    errors: r.errors,
    initHash: r.init_hash,
    endHash: r.end_hash,
  };
}

function loginPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console login</title><meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="${CONSOLE_PREFIX}/assets/app.css"></head><body class="login"><main><h1>misp-modules-ts console</h1>
<form method="post" action="${CONSOLE_PREFIX}/login"><label for="token">Console token</label> <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Log in</button></form>${message ? `<p role="alert" class="error">${message}</p>` : ""}</main></body></html>`;
}
