#!/usr/bin/env node
// elasticsearch: attributes per second exported to a local `_bulk` stand-in, for one event
// with many attributes (one document per attribute), against one request per document in
// the same run (the baseline every per-item exporter falls back to).
//
//   npm run build && node bench/elasticsearch-bulk.mjs [--attributes 10000] [--latency 2] [--runs 3] [--source]
//
// The stand-in checks the API key, parses every NDJSON line, answers each item 201 and
// counts requests, documents and bytes, answering after --latency ms. The event is
// synthesised from test/fixtures/roaming/event-publish-mixed-galaxy-objects.json. The
// server's peak resident memory (VmHWM) is read after each mode: one request body exists at
// a time (the documents are serialised per batch, the event is not copied per document).
import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { cliEntry, fromSource, startServer, synthesiseEvent, table } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    attributes: { type: "string", default: "10000" },
    latency: { type: "string", default: "2" },
    runs: { type: "string", default: "3" },
    source: { type: "boolean", default: false },
    "one-per-document": { type: "string", default: "1000" },
  },
});
const API_KEY = "YmVuY2g6YmVuY2gta2V5";

function startBulk(latencyMs) {
  const stats = { requests: 0, documents: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      stats.requests++;
      stats.bytes += Buffer.byteLength(body);
      const lines = body.split("\n");
      const items = [];
      const ok = req.headers.authorization === `ApiKey ${API_KEY}` && body.endsWith("\n");
      for (let i = 0; ok && i < lines.length - 1; i += 2) {
        const action = JSON.parse(lines[i]);
        const name = Object.keys(action)[0];
        JSON.parse(lines[i + 1]);
        items.push({ [name]: { _id: action[name]._id, status: 201, result: "created" } });
      }
      stats.documents += items.length;
      setTimeout(() => {
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            ok ? { took: 1, errors: false, items } : { error: { type: "security_exception", reason: "bad request" }, status: 401 },
          ),
        );
      }, latencyMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        stats,
        reset: () => Object.assign(stats, { requests: 0, documents: 0, bytes: 0 }),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(r);
          }),
      }),
    ),
  );
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const peakMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function main() {
  const useSource = fromSource(args.source);
  const serverArgs = (port) => [...cliEntry(useSource), "-p", String(port)];
  const bulk = await startBulk(Number(args.latency));
  const server = await startServer(serverArgs, { env: { MISP_MODULES_DEADLINE_MS: "120000" } });
  try {
    const n = Number(args.attributes);
    const small = Number(args["one-per-document"]);
    const modes = [
      ["per attribute, batched (10 MB, default)", n, {}],
      ["per attribute, batched (1 MB)", n, { batch_max_bytes: "1000000" }],
      [`one request per document (baseline, ${small} attributes)`, small, { batch_max_bytes: "1024" }],
    ];
    const rows = [];
    const names = [
      "url",
      "index",
      "op_type",
      "api_key",
      "username",
      "password",
      "bearer_token",
      "verify_tls",
      "ca_certificate",
      "event_per_attribute",
      "data_extraction_model",
      "pipeline",
      "batch_max_bytes",
    ];
    for (const [label, count, extra] of modes) {
      const data = synthesiseEvent(count);
      const params = Object.fromEntries(names.map((k) => [k, ""]));
      Object.assign(params, { url: bulk.url, index: "misp-bench", api_key: API_KEY, event_per_attribute: "true", op_type: "index" }, extra);
      const body = JSON.stringify({ module: "elasticsearch", data, filteredItems: data, params });
      const times = [];
      let last;
      for (let run = 0; run < Number(args.runs); run++) {
        bulk.reset();
        const started = performance.now();
        const res = await fetch(`${server.url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body });
        const reply = await res.json();
        times.push(performance.now() - started);
        if (reply.error) throw new Error(`${label}: ${reply.error}`);
        last = { ...bulk.stats };
      }
      const ms = median(times);
      rows.push([
        label,
        String(last.documents),
        String(last.requests),
        (last.bytes / 1048576).toFixed(1),
        (Buffer.byteLength(body) / 1048576).toFixed(1),
        ms.toFixed(0),
        Math.round((count / ms) * 1000).toLocaleString("en"),
        peakMb(server.pid).toFixed(0),
      ]);
    }
    console.log(`_bulk stand-in latency ${args.latency} ms, ${args.runs} runs per mode, server from ${useSource ? "src (tsx)" : "dist"}`);
    console.log(
      table(["mode", "documents", "HTTP requests", "MiB sent", "MiB query body", "median ms", "attributes/s", "server peak RSS MiB"], rows),
    );
  } finally {
    await server.stop();
    await bulk.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
