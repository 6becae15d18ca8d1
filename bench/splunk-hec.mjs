#!/usr/bin/env node
// splunk_hec: batched export versus one HTTP request per Splunk event (what MISP's built-in
// splunk-hec-export does, when it works), for an event with many attributes.
//
//   npm run build && node bench/splunk-hec.mjs [--attributes 500] [--latency 2] [--runs 5] [--source]
//
// A local HEC stand-in counts requests, envelopes and bytes and answers {"text":"Success",
// "code":0} after --latency ms (a LAN round trip to Splunk). The event is synthesised from
// test/fixtures/roaming/event-publish-mixed-galaxy-objects.json: its attributes are cloned with
// distinct ids, uuids and values until there are --attributes of them. The same module runs in
// every mode through the real server's POST /query; "one request per event" is batch_max_bytes=1,
// which sends every envelope alone. --source runs src/cli.ts through tsx instead of dist/.
import http from "node:http";
import { parseArgs } from "node:util";
import { cliEntry, fromSource, startServer, synthesiseEvent, table } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    attributes: { type: "string", default: "500" },
    latency: { type: "string", default: "2" },
    runs: { type: "string", default: "5" },
    source: { type: "boolean", default: false },
  },
});
const TOKEN = "bench-0000-4000-8000-000000000000";

/** HEC stand-in: checks the token, counts what arrives, answers after `latencyMs`. */
function startHec(latencyMs) {
  const stats = { requests: 0, envelopes: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      stats.requests++;
      stats.bytes += Buffer.byteLength(body);
      stats.envelopes += body.split("\n").filter((l) => l.trim() !== "").length;
      const ok = req.headers.authorization === `Splunk ${TOKEN}`;
      setTimeout(() => {
        res.writeHead(ok ? 200 : 403, { "content-type": "application/json" });
        res.end(JSON.stringify(ok ? { text: "Success", code: 0 } : { text: "Invalid token", code: 4 }));
      }, latencyMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/services/collector/event`,
        stats,
        reset: () => Object.assign(stats, { requests: 0, envelopes: 0, bytes: 0 }),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(r);
          }),
      }),
    ),
  );
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const useSource = fromSource(args.source);
  const serverArgs = (port) => [...cliEntry(useSource), "-p", String(port)];
  const hec = await startHec(Number(args.latency));
  // A generous deadline: the point is to measure the slow mode, not to cut it off.
  const server = await startServer(serverArgs, { env: { MISP_MODULES_DEADLINE_MS: "60000" } });
  try {
    const data = synthesiseEvent(Number(args.attributes));
    const modes = [
      ["event (1 envelope)", { event_per_attribute: "false" }],
      ["per attribute, batched (1 MB)", { event_per_attribute: "true" }],
      ["per attribute, batched (64 KiB)", { event_per_attribute: "true", batch_max_bytes: "65536" }],
      ["per attribute, 1 request each (PHP way)", { event_per_attribute: "true", batch_max_bytes: "1" }],
    ];
    const rows = [];
    for (const [label, extra] of modes) {
      const params = {
        url: hec.url,
        hec_token: TOKEN,
        verify_tls: "",
        source_type: "",
        source: "",
        index: "",
        host: "",
        event_per_attribute: "",
        data_extraction_model: "",
        channel: "",
        batch_max_bytes: "",
        ...extra,
      };
      const body = JSON.stringify({ module: "splunk_hec", data, filteredItems: data, params });
      const times = [];
      let last;
      for (let run = 0; run < Number(args.runs); run++) {
        hec.reset();
        const started = performance.now();
        const res = await fetch(`${server.url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body });
        const reply = await res.json();
        times.push(performance.now() - started);
        if (reply.error) throw new Error(`${label}: ${reply.error}`);
        last = { ...hec.stats };
      }
      rows.push([
        label,
        String(last.envelopes),
        String(last.requests),
        (last.bytes / 1024).toFixed(0),
        median(times).toFixed(0),
        Math.min(...times).toFixed(0),
      ]);
    }
    console.log(
      `event with ${args.attributes} attributes, HEC latency ${args.latency} ms, ${args.runs} runs per mode, server from ${useSource ? "src (tsx)" : "dist"}`,
    );
    console.log(table(["mode", "Splunk events", "HTTP requests", "KiB sent", "median ms", "min ms"], rows));
  } finally {
    await server.stop();
    await hec.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
