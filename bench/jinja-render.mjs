#!/usr/bin/env node
// Throughput of jinja_template_rendering through the real HTTP server, the way MISP calls it:
// the same template on every run, the whole event as data, JSON-in-a-string in `text`.
//
//   npm run build && node bench/jinja-render.mjs [--duration 10] [--warmup 2] [--connections 16] [--attributes 0] [--distinct 0] [--baseline]
//
// --baseline also posts the same body to a module name that does not exist: the server still
// receives and parses it and replies, which gives the ceiling set by HTTP and body parsing alone.
//
// By default every request carries the same event, so after the first two each worker finds its
// data in its parsed-data cache (worker.ts), as for the later templated parameters of one workflow
// node. --distinct N sends N variants of the event in turn (N = 256 is far more than the workers'
// caches remember): every render then parses its event, as when MISP sends a new event each time.
//
// Data: test/fixtures/roaming/event-publish-tlp-red.json (9 flattened attributes). The template
// writes 50 attribute lines, cycling through Event._AttributeFlattened. With --attributes N (> 9)
// the event itself is padded to N attributes (clones with distinct values; the request body grows
// from ~40 KiB to ~160 KiB for 50) to measure the cost of bigger events.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startServer } from "./lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    attributes: { type: "string", default: "0" },
    lines: { type: "string", default: "50" },
    distinct: { type: "string", default: "0" },
    baseline: { type: "boolean", default: false },
  },
});

function benchTemplate(lines) {
  return [
    "[MISP] Event {{ Event.id }}: {{ Event.info }}",
    "{% set attributes = Event._AttributeFlattened %}" +
      `{% for i in range(${lines}) %}{% set a = attributes[i % attributes|length] %}` +
      "{{ loop.index }}. {{ a.category }} / {{ a.type }} = {{ a.value }}{% if a.to_ids %} [IDS]{% endif %}" +
      "{% if a.comment %} ({{ a.comment }}){% endif %}",
    "{% endfor %}",
  ].join("\n");
}

function benchData(wanted) {
  const data = JSON.parse(readFileSync(join(root, "test/fixtures/roaming/event-publish-tlp-red.json"), "utf8"));
  const event = data.Event;
  const originals = event._AttributeFlattened;
  if (wanted > originals.length) {
    const padded = [];
    for (let i = 0; i < wanted; i++) {
      const source = originals[i % originals.length];
      padded.push(i < originals.length ? source : { ...source, id: String(90000 + i), value: `${source.value}-${i}` });
    }
    event._AttributeFlattened = padded;
    event.Attribute = padded.filter((a) => !a.object_id || a.object_id === "0");
  }
  return data;
}

/** Variant `n` of the event: same shape and sizes, different ids and values (so a different data text). */
function variant(data, n) {
  const event = { ...data.Event, id: String(Number(data.Event.id) + n), info: `${data.Event.info} #${n}` };
  event._AttributeFlattened = event._AttributeFlattened.map((a) => ({
    ...a,
    id: String(Number(a.id) + 100000 * n),
    value: `${a.value}-${n}`,
  }));
  return { ...data, Event: event };
}

async function main() {
  const cli = join(root, "dist/cli.js");
  if (!existsSync(cli)) throw new Error("dist/cli.js not found: run `npm run build` first");
  let server = await startServer((port) => [cli, "-p", String(port)]);
  const base = server.url;
  try {
    const data = benchData(Number(args.attributes));
    const attributes = data.Event._AttributeFlattened.length;
    const template = benchTemplate(Number(args.lines));
    const distinct = Number(args.distinct);
    const bodyFor = (d) => JSON.stringify({ module: "jinja_template_rendering", text: JSON.stringify({ template, data: d }) });
    const body = bodyFor(data);
    const variants = distinct > 0 ? Array.from({ length: distinct }, (_, n) => bodyFor(variant(data, n + 1))) : [];

    // One checked request first: the benchmark only counts if the module really renders.
    const post = (b) => fetch(`${base}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: b });
    const probe = await post(body);
    const expected = await probe.text();
    const reply = JSON.parse(expected);
    if (reply.error || typeof reply.results?.[0]?.values?.[0] !== "string") throw new Error(`bad reply: ${expected.slice(0, 300)}`);
    const lines = reply.results[0].values[0].split("\n").length;
    for (const [n, b] of variants.slice(0, 3).entries()) {
      const out = (await (await post(b)).json()).results?.[0]?.values?.[0];
      if (typeof out !== "string" || !out.includes(`#${n + 1}`)) throw new Error(`bad reply for event variant ${n + 1}`);
    }
    console.log(
      `event with ${attributes} attributes, request body ${(body.length / 1024).toFixed(1)} KiB, output ${lines} lines` +
        (distinct > 0 ? `, ${distinct} distinct events in turn` : ", the same event every time"),
    );

    // Each connection goes through the variants from its own starting point (prebuilt requests,
    // so varying the body costs the load generator nothing per request): a variant comes back
    // only after every other one has been sent, too late for any worker's cache.
    const variantRequests = variants.map((b) => ({ method: "POST", headers: { "content-type": "application/json" }, body: b }));
    let clients = 0;
    const run = (duration) =>
      autocannon({
        url: `${base}/query`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        connections: Number(args.connections),
        duration,
        // Distinct events give distinct outputs: those are checked above, not per reply.
        ...(distinct > 0
          ? {
              setupClient: (client) => {
                const start = (clients++ * Math.ceil(distinct / Number(args.connections))) % distinct;
                client.setRequests([...variantRequests.slice(start), ...variantRequests.slice(0, start)]);
              },
            }
          : { expectBody: expected }),
      });
    // Warm-up (not counted): the JIT, the template cache and the workers' pipelines settle first.
    await run(Number(args.warmup));
    const result = await run(Number(args.duration));
    const renders = result.requests.total / (result.duration || Number(args.duration));
    console.log(`connections ${args.connections}, duration ${result.duration}s, requests ${result.requests.total}`);
    console.log(`renders/s ${renders.toFixed(0)} (autocannon mean ${result.requests.average})`);
    console.log(`latency ms p50 ${result.latency.p50}, p99 ${result.latency.p99}, max ${result.latency.max}`);
    console.log(`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, body mismatches ${result.mismatches}`);
    if (args.baseline) {
      // A fresh server, so that the render run's heap and worker state do not weigh on the ceiling.
      await server.stop();
      server = await startServer((port) => [cli, "-p", String(port)]);
      const unknownModule = body.replace('"module":"jinja_template_rendering"', '"module":"bench_no_such_module"');
      const ceilingRun = (duration) =>
        autocannon({
          url: `${server.url}/query`,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: unknownModule,
          connections: Number(args.connections),
          duration,
        });
      await ceilingRun(Number(args.warmup));
      const ceiling = await ceilingRun(Number(args.duration));
      const perSecond = ceiling.requests.total / (ceiling.duration || Number(args.duration));
      console.log(
        `baseline (same body, unknown module: HTTP + body parsing only) requests/s ${perSecond.toFixed(0)}, p50 ${ceiling.latency.p50} ms, p99 ${ceiling.latency.p99} ms`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
