import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { ServerResponse } from "node:http";
import type { Config } from "./config.js";
import { processInfo } from "./cluster/served-by.js";
import { healthReport } from "./introspection/health.js";
import { BodyError, BodyGuard, LARGE_BODY_BYTES } from "./inbound/body.js";
import { guardAllowFrom } from "./inbound/allow-from.js";
import { tlsServerOptions } from "./inbound/tls.js";
import { capConnections, defaultMaxConnections } from "./inbound/connections.js";
import { parseJsonBody } from "./inbound/json-body.js";
import { afterLargeBody } from "./inbound/memory.js";
import { InflightQueries, registerInflight } from "./inbound/shutdown.js";
import { ModulesListing } from "./introspection/modules-listing.js";
import { isZodSchema, registerOpenApi } from "./introspection/openapi.js";
import { echoInput } from "./echo.js";
import { loggerOptions } from "./logger.js";
import { VERSION } from "../package-info.js";
import { BadRequestReply, HealthReply, ModulesReply, QueryBody, QueryReply, VersionReply } from "./protocol/schemas.js";
import type { ModuleRegistry } from "./registry/registry.js";
import { runQuery } from "./runtime/run-query.js";
import type { Services } from "./runtime/services.js";
import { errorText, PROTOCOL_ERRORS, protocolError } from "./protocol/errors.js";

// The HTTP face of the server: routes and reply rules of docs/protocol.md#endpoints. It knows the
// registry and the runtime, never a module by name.

export interface BuildServerOptions {
  config: Config;
  registry: ModuleRegistry;
  /** Services for modules (made by createServices in app.ts). Required: every query uses them. */
  services: Services;
  /** Silence logs (tests). */
  quiet?: boolean;
  /** Use this Fastify logger instance instead of creating one. */
  loggerInstance?: FastifyInstance["log"];
}

/** "type/subtype" as Fastify accepts it (RFC 9110 tokens); other Content-Type values are malformed. */
const MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*$/;

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The request body exactly as received (a Buffer; may be a view into a larger one, so copy
     * it before transferring its memory). Undefined when the request had no body.
     */
    rawBody?: Buffer;
  }
}

/** Where the reply of a /query request is, so a large body's budget is freed when it is sent. */
const REPLY = Symbol("reply");

/**
 * Node's header and request timeouts from the configuration. Node checks them on a sweep
 * (every 30 s by default): it runs at a quarter of the header timeout here, at most every
 * second, so a client that never finishes its headers is cut within 1.25 × the timeout.
 */
export function serverTimeouts(limits: Config["server"]): { headersTimeout: number; requestTimeout: number; checkEvery: number } {
  const headersTimeout = limits.headersTimeoutMs;
  // A backstop only: never before the header and body timeouts have had their turn (Node also
  // refuses a request timeout below the header timeout).
  const requestTimeout =
    limits.requestTimeoutMs === 0 ? 0 : Math.max(limits.requestTimeoutMs, headersTimeout + limits.bodyTimeoutMs + 1000);
  return { headersTimeout, requestTimeout, checkEvery: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) };
}

export async function buildServer(opts: BuildServerOptions): Promise<FastifyInstance> {
  const { config, registry, services } = opts;
  const { server: limits } = config;
  const timeouts = serverTimeouts(limits);
  const nodeTimeouts = {
    headersTimeout: timeouts.headersTimeout,
    requestTimeout: timeouts.requestTimeout,
    connectionsCheckingInterval: timeouts.checkEvery,
  };
  const tls = tlsServerOptions(config.tls);
  // With TLS, Node's timeouts go with the certificate options (Fastify ignores `http` then).
  const app = (Fastify as (o: object) => FastifyInstance)({
    ...(tls ? { https: { ...tls, ...nodeTimeouts } } : {}),
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: loggerOptions(config.debug, opts.quiet) }),
    bodyLimit: config.bodyLimit,
    // One structured line per /query is logged by the route itself (module, duration, outcome).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: "x-request-id",
    // Connection and header bounds (docs/security.md, "Request bodies and connections"). Body
    // arrival is bounded by BodyGuard (total and idle time, shared byte budget), which answers
    // with a JSON error before Node's requestTimeout, only a backstop here, would.
    http: nodeTimeouts,
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    // During a graceful shutdown requests on open connections are still answered (a 503 would
    // count as success in MISP); queries that cannot finish get a 200 `error` (closeGracefully).
    return503OnClosing: false,
  });
  const guard = new BodyGuard({
    bodyLimit: config.bodyLimit,
    bodyTimeoutMs: limits.bodyTimeoutMs,
    bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs,
    pendingBodyBytes: limits.pendingBodyBytes,
  });
  const cap = capConnections(app.server, limits.maxConnections ?? defaultMaxConnections(), app.log, () => guard.evictStalest());
  // Installed after the cap, so that it runs before it (both prepend): a refused client takes no slot.
  guardAllowFrom(app.server, config.allowFrom, app.log);
  const inflight = new InflightQueries();
  registerInflight(app, inflight);
  app.decorateRequest("rawBody", undefined);
  // Defined here, not per request: a closure made next to a request's body would keep that
  // body alive through the collection that is meant to free it.
  const bodiesHeld = () => guard.held > 0;

  // zod schemas validate (the same schemas feed OpenAPI); replies are plain JSON.
  app.setValidatorCompiler(({ schema }) => (data) => {
    if (!isZodSchema(schema)) return { value: data };
    const r = schema.safeParse(data);
    if (r.success) return { value: data };
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    return { error: new Error(`${where}: ${issue?.message ?? "invalid"}`) };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // MISP sends JSON; scripts in the wild post it as form data or without a type (docs/protocol.md#http-client).
  // Bodies are read under BodyGuard's bounds; large ones are parsed in slices (parseJsonBody).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (req, _payload, done) => {
    let release: () => void = () => undefined;
    guard
      .read(req.raw, (r) => (release = r))
      .then((buf) => {
        req.rawBody = buf;
        if (buf.length < LARGE_BODY_BYTES) {
          // Small bodies: the budget only covered their arrival.
          release();
          let value: unknown;
          try {
            const text = buf.toString("utf8");
            value = text.trim() === "" ? undefined : JSON.parse(text);
          } catch (e) {
            return done(protocolError("BODY_NOT_JSON", (e as Error).message), undefined);
          }
          return done(null, value);
        }
        // A large body stays on the budget until its reply is out (it is in memory until then).
        const res = (req.raw as unknown as Record<symbol, ServerResponse | undefined>)[REPLY];
        // The length now: a query observer may take the buffer's memory once the query ends.
        const size = buf.length;
        const answered = () => {
          release();
          afterLargeBody(size, bodiesHeld);
        };
        if (res && !res.closed) res.once("close", answered);
        parseJsonBody(buf).then(
          (value) => done(null, value),
          (e: Error) => done(e instanceof SyntaxError ? protocolError("BODY_NOT_JSON", e.message) : e, undefined),
        );
        if (!res || res.closed) answered();
      })
      .catch((e: Error) => {
        if (e instanceof BodyError && e.statusCode !== 400)
          req.log.warn(
            { status: e.statusCode, error: e.message, held: guard.held, receiving: guard.receiving, open: cap.open },
            "request body refused",
          );
        done(e, undefined);
      });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: errorText("BODY_TOO_LARGE", config.bodyLimit) });
    if (err instanceof BodyError) {
      if (status === 503) reply.header("retry-after", "5");
      return reply.code(status).send({ error: err.message });
    }
    if (status >= 400 && status < 500) {
      // A field of the wrong type (the zod validator above, reported by Fastify as FST_ERR_VALIDATION).
      const invalid = err.validation || err.code === "FST_ERR_VALIDATION" || err.message.startsWith("body");
      const msg = invalid ? errorText("INVALID_QUERY", err.message) : err.message;
      // Parser and validator messages may quote the input: bounded like every echo.
      return reply.code(status).send({ error: echoInput(msg, 1000) });
    }
    req.log.error({ err }, "unhandled error");
    // MISP takes a 500 from /query as success for a blocking guard: a failure there is a 200 error.
    const error = errorText("INTERNAL");
    if (req.method === "POST" && req.url.split("?")[0] === "/query") return reply.code(200).send({ error });
    return reply.code(PROTOCOL_ERRORS.INTERNAL.status).send({ error });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(PROTOCOL_ERRORS.NOT_FOUND.status).send({ error: errorText("NOT_FOUND", echoInput(req.method, 20), echoInput(req.url)) }),
  );

  const hidden = new Set(config.hiddenModules);
  registerOpenApi(app, VERSION, () => registry.all().filter((m) => !hidden.has(m.name)));

  const listing = new ModulesListing(registry, hidden);

  app.get("/modules", { schema: { summary: "List module descriptors", response: { 200: ModulesReply } } }, (_req, reply) => {
    reply.header("content-type", "application/json; charset=utf-8").send(listing.buffer);
  });

  app.post(
    "/query",
    {
      schema: { summary: "Run a module", body: QueryBody, response: { 200: QueryReply, 400: BadRequestReply } },
      // A body is read as JSON whatever its declared type; a malformed type (Fastify answers those
      // 415 before any parser runs) is read the same way instead of refusing the query.
      onRequest: (req, reply, done) => {
        (req.raw as unknown as Record<symbol, unknown>)[REPLY] = reply.raw;
        const type = req.headers["content-type"];
        if (type !== undefined && !MEDIA_TYPE.test(type.split(";", 1)[0]!)) req.raw.headers["content-type"] = "application/json";
        done();
      },
      preValidation: (req, _reply, done) => {
        const b = req.body;
        if (b === undefined || b === null) return done(protocolError("BODY_MISSING"));
        if (typeof b !== "object" || Array.isArray(b))
          return done(protocolError("BODY_NOT_OBJECT", Array.isArray(b) ? "an array" : typeof b));
        if (!("module" in b)) return done(protocolError("MODULE_FIELD_MISSING"));
        done();
      },
    },
    async (req, reply) => {
      const body = req.body as Record<string, unknown>;
      const running = inflight.start();
      let result;
      try {
        result = await runQuery(body, registry, services, req.id, { stop: running.signal, rawBody: req.rawBody, headers: req.headers });
      } finally {
        running.done();
      }
      const level = result.outcome === "ok" ? "info" : result.outcome === "crash" ? "error" : "warn";
      req.log[level](
        {
          module: result.module ?? echoInput(String(body.module)),
          durationMs: Math.round(result.durationMs * 10) / 10,
          outcome: result.outcome,
          ...(result.outcome !== "ok" ? { error: result.reply.error } : {}),
        },
        "query",
      );
      // runQuery has encoded the reply already (a reply JSON cannot encode became an error reply).
      return reply.type("application/json; charset=utf-8").send(result.json);
    },
  );

  app.get("/healthcheck", { schema: { summary: "Liveness and module status", response: { 200: HealthReply } } }, async () => {
    const report = healthReport(registry);
    // Queue depth, oldest job, dead letters (docs/delivery.md); never fails the health check.
    const outbox = services.outbox
      ? await services.outbox.stats().catch((e: unknown) => ({ backend: "error", error: (e as Error).message }))
      : undefined;
    // Which process answered (several with --workers).
    return outbox ? { ...report, outbox, process: processInfo() } : { ...report, process: processInfo() };
  });
  app.get("/version", { schema: { summary: "Server version", response: { 200: VersionReply } } }, async () => ({ version: VERSION }));

  // The console, its journal and MISP's debug receiver: one plugin, loaded only when enabled.
  if (config.console.enabled) await app.register((await import("../console/plugin.js")).consolePlugin, { config, registry, services });

  if (config.metrics.enabled) await (await import("./metrics/route.js")).registerMetrics(app, { config, registry, services });

  // The reference answers 405 for other methods on its endpoints.
  const allowed: Record<string, string[]> = {
    "/modules": ["GET", "HEAD"],
    "/query": ["POST"],
    "/healthcheck": ["GET", "HEAD"],
    "/version": ["GET", "HEAD"],
  };
  for (const [url, methods] of Object.entries(allowed)) {
    const others = (["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const).filter((m) => !methods.includes(m));
    app.route({
      method: others,
      url,
      schema: { hide: true },
      handler: (_req, reply) =>
        reply
          .code(PROTOCOL_ERRORS.METHOD_NOT_ALLOWED.status)
          .header("allow", methods.join(", "))
          .send({ error: errorText("METHOD_NOT_ALLOWED", methods.join(" or ")) }),
    });
  }
  return app;
}
