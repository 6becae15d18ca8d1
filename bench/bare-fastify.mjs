// Baseline for bench/core.mjs: the least a Fastify server can do for the same routes
// (default JSON parser, constant replies; /modules sends the same bytes as ours, read from
// the file given). Usage: node bench/bare-fastify.mjs PORT [MODULES_JSON_FILE]
import Fastify from "fastify";
import { readFileSync } from "node:fs";

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
const modules = process.argv[3] ? readFileSync(process.argv[3]) : Buffer.from("[]");
app.get("/modules", (_req, reply) => reply.header("content-type", "application/json; charset=utf-8").send(modules));
app.post("/query", async () => ({ data: true }));
app.get("/healthcheck", async () => ({ status: true }));
await app.listen({ port: Number(process.argv[2]), host: "127.0.0.1" });
