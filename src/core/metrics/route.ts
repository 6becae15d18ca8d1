import type { FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import { bearerMatches, isLoopback } from "../inbound/loopback.js";
import type { ModuleRegistry } from "../registry/registry.js";
import { addObserver, removeObserver } from "../runtime/observers.js";
import type { Services } from "../runtime/services.js";
import { clusterMetricsText, joinClusterMetrics } from "../cluster/metrics-link.js";
import { servedBy } from "../cluster/served-by.js";
import { ServerMetrics } from "./server-metrics.js";

// GET /metrics (Prometheus text format): loopback clients, or any client with the console token
// as a Bearer token, the console's own rule (docs/console.md); off with --no-metrics.

export async function registerMetrics(
  app: FastifyInstance,
  opts: { config: Config; registry: ModuleRegistry; services: Services },
): Promise<ServerMetrics> {
  const { config, registry, services } = opts;
  const metrics = new ServerMetrics(registry, services, { maxHosts: config.metrics.maxHosts, gcMetrics: config.metrics.gc });
  addObserver(services, metrics);
  joinClusterMetrics(metrics.registry);
  app.addHook("onClose", async () => {
    removeObserver(services, metrics);
    metrics.close();
  });
  const token = config.console.token;
  app.get("/metrics", { schema: { summary: "Prometheus metrics", hide: false } }, async (req, reply) => {
    const allowed = isLoopback(req.socket.remoteAddress) || (token !== undefined && bearerMatches(req.headers.authorization, token));
    if (!allowed) {
      if (token)
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .send({ error: "authentication required: Authorization: Bearer <console token>" });
      return reply.code(403).send({ error: "/metrics answers loopback clients only; set a console token to open it to others" });
    }
    // With --workers, any worker asks the primary for the figures of all workers together.
    const text = (await clusterMetricsText()) ?? (await metrics.registry.metrics());
    return reply.header("x-served-by", servedBy()).type(metrics.registry.contentType).send(text);
  });
  return metrics;
}
