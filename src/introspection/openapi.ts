import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { z } from "zod";

// OpenAPI from the zod schemas that validate the routes; the Swagger UI assets come from the
// npm package (no CDN: MISP hosts are often air-gapped).

export function isZodSchema(s: unknown): s is z.ZodType {
  return !!s && typeof s === "object" && "_zod" in s;
}

export function zodToJsonSchema(s: unknown): unknown {
  return isZodSchema(s) ? z.toJSONSchema(s, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) : s;
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
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
  await app.register(swaggerUi, { routePrefix: "/openapi", staticCSP: true });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
