import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from "fastify";
import { z } from "zod";
import { errorText } from "../protocol/errors.js";
import { serverSettingsDocument } from "./server-settings-schema.js";

// OpenAPI from the zod schemas that validate the routes; the Swagger UI assets come from the
// npm package (no CDN: MISP hosts are often air-gapped).
//
// Registering @fastify/swagger and its UI costs ~100 ms of start-up, and MISP never asks for
// them. So the live server only records its routes; the first request for the docs builds a
// second, never-listening Fastify instance with the same routes and schemas (handlers are not
// needed to describe them) and the docs routes forward to it.

export function isZodSchema(s: unknown): s is z.ZodType {
  return !!s && typeof s === "object" && "_zod" in s;
}

export function zodToJsonSchema(s: unknown): unknown {
  return isZodSchema(s) ? z.toJSONSchema(s, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) : s;
}

type DescribedRoute = Pick<RouteOptions, "method" | "url" | "schema">;

/** Response headers that belong to the hop between the docs instance and us, not to the client. */
const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "date"]);

async function buildDocsApp(routes: readonly DescribedRoute[], version: string): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import("@fastify/swagger"), import("@fastify/swagger-ui")]);
  // HEAD routes are among the recorded ones; letting Fastify add its own would duplicate them.
  const docs = Fastify({ exposeHeadRoutes: false });
  // The schemas are zod objects: nothing here validates or serialises with them.
  docs.setValidatorCompiler(() => (data) => ({ value: data }));
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  docs.setNotFoundHandler((req, reply) => reply.code(404).send({ error: errorText("NOT_FOUND", req.method, req.url) }));
  await docs.register(swagger, {
    openapi: {
      info: {
        title: "misp-modules-ts",
        description: "misp-modules protocol server: MISP Action and Enrichment services.",
        version,
      },
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const out: Record<string, unknown> = { ...schema };
      for (const key of ["body", "querystring", "params", "headers"] as const) {
        if (key in schema) out[key] = zodToJsonSchema((schema as Record<string, unknown>)[key]);
      }
      const response = (schema as { response?: Record<string, unknown> }).response;
      if (response) out.response = Object.fromEntries(Object.entries(response).map(([code, s]) => [code, zodToJsonSchema(s)]));
      return { schema: out as never, url };
    },
  });
  await docs.register(swaggerUi, { routePrefix: "/openapi", staticCSP: true });
  for (const r of routes) docs.route({ ...r, handler: async () => null });
  await docs.ready();
  return docs;
}

/** The modules /openapi.json lists the server settings of (they change on hot reload). */
export type ListedModules = () => readonly { name: string; def: { serverSettings?: unknown } }[];

/** The routes' document plus the modules' server settings (docs/writing-modules.md#server-settings). */
function withServerSettings(doc: Record<string, unknown>, modules: ListedModules): Record<string, unknown> {
  const { schemas, index } = serverSettingsDocument(modules());
  const components = (doc.components ?? {}) as Record<string, unknown>;
  return {
    ...doc,
    components: { ...components, schemas: { ...((components.schemas ?? {}) as object), ...schemas } },
    "x-server-settings": index,
  };
}

/**
 * Adds /openapi.json and the Swagger UI under /openapi to `app`. Call it before the routes
 * to describe are added: it records them as they are registered.
 */
export function registerOpenApi(app: FastifyInstance, version: string, modules: ListedModules = () => []): void {
  const routes: DescribedRoute[] = [];
  let docs: Promise<FastifyInstance> | undefined;
  const docsApp = () =>
    (docs ??= buildDocsApp(routes, version).catch((e: unknown) => {
      docs = undefined; // a later request may try again
      throw e;
    }));

  const forward = async (req: FastifyRequest, reply: FastifyReply) => {
    // HEAD is asked as GET: Fastify drops the body of our HEAD reply but keeps its length.
    const res = await (await docsApp()).inject({ method: "GET", url: req.url, headers: req.headers });
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  };

  const hidden = { schema: { hide: true } };
  app.get("/openapi.json", hidden, async () =>
    withServerSettings((await docsApp()).swagger() as unknown as Record<string, unknown>, modules),
  );
  app.get("/openapi", hidden, forward);
  app.get("/openapi/*", hidden, forward);

  // Added after the docs routes so that only the routes to describe are recorded.
  app.addHook("onRoute", (r) => {
    routes.push({ method: r.method, url: r.url, schema: r.schema });
  });
}
