import type { FastifyInstance } from "fastify";
import type { Services } from "../core/runtime/services.js";
import type { Outbox } from "../core/outbox/outbox.js";
import type { JobState } from "../core/outbox/types.js";

// The outbox in the console's JSON API (docs/delivery.md): metrics, jobs and dead letters with
// their attempts, and replay. Registered inside the console's authenticated scope.

const STATES = new Set(["waiting", "pending", "leased", "delivered", "dead"]);

export function registerOutboxApi(c: FastifyInstance, api: string, services: Services): void {
  const tags = ["console"];
  const outbox = () => services.outbox as Outbox | undefined;
  const fail = (status: number, error: string) => Object.assign(new Error(error), { statusCode: status });
  c.get(`${api}/outbox`, { schema: { tags, summary: "Outbox metrics and jobs (?state=waiting|delivered|dead, ?limit=)" } }, async (req) => {
    const o = outbox();
    if (!o) return { stats: { backend: "off" }, jobs: [] };
    const q = req.query as { state?: string; limit?: string };
    if (q.state !== undefined && !STATES.has(q.state)) throw fail(400, "state must be waiting, pending, leased, delivered or dead");
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw fail(400, "limit must be between 1 and 500");
    const backend = await o.open();
    return { stats: await o.stats(), jobs: await backend.list({ state: (q.state ?? "waiting") as JobState | "waiting", limit }) };
  });
  c.post(`${api}/outbox/:id/retry`, { schema: { tags, summary: "Queue a dead letter again (same id, fresh attempts)" } }, async (req) => {
    const o = outbox();
    if (!o) throw fail(404, "the outbox is off");
    const id = (req.params as { id: string }).id;
    const n = await (await o.open()).retry(id === "all-dead" ? { allDead: true } : { id });
    if (n === 0) throw fail(404, `no dead letter ${id}`);
    o.wake();
    return { retried: n };
  });
}
