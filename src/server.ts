import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import { healthReport } from "./introspection/health.js";
import { ModulesListing } from "./introspection/modules-listing.js";
import { isZodSchema, registerOpenApi } from "./introspection/openapi.js";
import { loggerOptions } from "./logger.js";
import { VERSION } from "./package-info.js";
import { BadRequestReply, HealthReply, ModulesReply, QueryBody, QueryReply, VersionReply } from "./protocol/schemas.js";
import type { ModuleRegistry } from "./registry/registry.js";
import { runQuery } from "./runtime/run-query.js";
import type { Services } from "./runtime/services.js";

// The HTTP face of the server: routes and reply rules of PROTOCOL §2. It knows the
// registry and the runtime, never a module by name.

export interface BuildServerOptions {
  config: Config;
  registry: ModuleRegistry;
  /** Services for modules; when omitted only the logger is bound late (see createServices). */
  services: Services;
  /** Silence logs (tests). */
  quiet?: boolean;
  /** Use this Fastify logger instance instead of creating one. */
  loggerInstance?: FastifyInstance["log"];
}

function badRequest(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 400 });
}

export async function buildServer(opts: BuildServerOptions): Promise<FastifyInstance> {
  const { config, registry, services } = opts;
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: loggerOptions(config.debug, opts.quiet) }),
    bodyLimit: config.bodyLimit,
    // One structured line per /query is logged by the route itself (module, duration, outcome).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: "x-request-id",
    // Large roaming-data bodies can take a while to arrive; MISP's own timeout bounds them.
    requestTimeout: 0,
  });

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

  // MISP sends JSON; scripts in the wild post it as form data or without a type (PROTOCOL §1.4).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === "") return done(null, undefined);
    try {
      // Kept for query observers (the journal stores what arrived without re-serialising it).
      (_req as { rawBody?: string }).rawBody = text;
      done(null, JSON.parse(text));
    } catch (e) {
      done(badRequest(`body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: `request body larger than the limit of ${config.bodyLimit} bytes` });
    if (status >= 400 && status < 500) {
      const msg = err.validation || err.message.startsWith("body") ? `invalid query: ${err.message}` : err.message;
      return reply.code(status).send({ error: msg.replace(/^body\/?/, "") });
    }
    req.log.error({ err }, "unhandled error");
    return reply.code(500).send({ error: "internal server error" });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `not found: ${req.method} ${req.url}` }));

  registerOpenApi(app, VERSION);

  const listing = new ModulesListing(registry, new Set(config.hiddenModules));

  app.get("/modules", { schema: { summary: "List module descriptors", response: { 200: ModulesReply } } }, (_req, reply) => {
    reply.header("content-type", "application/json; charset=utf-8").send(listing.buffer);
  });

  app.post(
    "/query",
    {
      schema: { summary: "Run a module", body: QueryBody, response: { 200: QueryReply, 400: BadRequestReply } },
      preValidation: (req, _reply, done) => {
        const b = req.body;
        if (b === undefined || b === null) return done(badRequest("invalid query: the body must be a JSON object with a \"module\" field"));
        if (typeof b !== "object" || Array.isArray(b)) return done(badRequest("invalid query: the body must be a JSON object, not " + (Array.isArray(b) ? "an array" : typeof b)));
        if (!("module" in b)) return done(badRequest("invalid query: missing \"module\" field"));
        done();
      },
    },
    async (req) => {
      const body = req.body as Record<string, unknown>;
      const result = await runQuery(body, registry, services, req.id, { headers: req.headers, rawBody: (req as { rawBody?: string }).rawBody });
      const level = result.outcome === "ok" ? "info" : result.outcome === "crash" ? "error" : "warn";
      req.log[level]({ module: body.module, durationMs: Math.round(result.durationMs * 10) / 10, outcome: result.outcome, ...(result.outcome !== "ok" ? { error: result.reply.error } : {}) }, "query");
      return result.reply;
    },
  );

  app.get("/healthcheck", { schema: { summary: "Liveness and module status", response: { 200: HealthReply } } }, async () => healthReport(registry));
  app.get("/version", { schema: { summary: "Server version", response: { 200: VersionReply } } }, async () => ({ version: VERSION }));

  // The console, its journal and MISP's debug receiver: one plugin, loaded only when enabled.
  if (config.console.enabled) await app.register((await import("./console/plugin.js")).consolePlugin, { config, registry, services });

  // The reference answers 405 for other methods on its endpoints.
  const allowed: Record<string, string[]> = { "/modules": ["GET", "HEAD"], "/query": ["POST"], "/healthcheck": ["GET", "HEAD"], "/version": ["GET", "HEAD"] };
  for (const [url, methods] of Object.entries(allowed)) {
    const others = (["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const).filter((m) => !methods.includes(m));
    app.route({
      method: others,
      url,
      schema: { hide: true },
      handler: (_req, reply) => reply.code(405).header("allow", methods.join(", ")).send({ error: `method not allowed; use ${methods.join(" or ")}` }),
    });
  }
  return app;
}
