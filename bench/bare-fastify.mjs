// Baseline for bench/core.mjs: the least a Fastify server can do for the same routes
// (default JSON parser, constant replies). Usage: node bench/bare-fastify.mjs PORT
import Fastify from "fastify";

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
const modules = Buffer.from(JSON.stringify([{ name: "testaction", type: "action_mod", mispattributes: {}, meta: {} }]));
app.get("/modules", (_req, reply) => reply.header("content-type", "application/json; charset=utf-8").send(modules));
app.post("/query", async () => ({ data: true }));
app.get("/healthcheck", async () => ({ status: true }));
await app.listen({ port: Number(process.argv[2]), host: "127.0.0.1" });
