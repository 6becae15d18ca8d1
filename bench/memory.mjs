// Memory under load (issue 21): RSS after N seconds (default 180) of mixed load at c=16 (half
// POST /query testaction, half jinja_template_rendering), our server next to a bare Fastify
// handler given the same requests in the same run. Also our RSS after the render workers' idle
// period (idle_ms, 60 s by default; set shorter here) has passed.
// Ends with a PASS/FAIL line against the 150 MB target of issue 21 (RSS at the end of the load).
// Usage: npm run build && node bench/memory.mjs [seconds]
import { writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import autocannon from "autocannon";
import { roaming, startServer, testactionBody } from "./lib.mjs";

const seconds = Number(process.argv[2] ?? 180);
const data = roaming();
const action = testactionBody(data);
const template = "{% for a in Event.Attribute %}{{ a.type }}: {{ a.value | e }}\n{% endfor %}{{ Event.info | upper }}";
const jinja = JSON.stringify({ module: "jinja_template_rendering", text: JSON.stringify({ template, data }) });
const listing = `${tmpdir()}/misp-modules-ts-bench-memory-modules.json`;
writeFileSync(listing, "[]");

const idleMs = 5000;
const TARGET_MB = 150;
const loadBefore = loadavg();
// Started as the Dockerfile, the systemd unit and `npm start` start it (lib.mjs shippedNodeFlags).
const ours = await startServer((port) => ["dist/cli.js", "-p", String(port), "--no-console"], {
  env: { MISP_MODULES_JINJA_TEMPLATE_RENDERING_IDLE_MS: String(idleMs) },
  timeoutMs: 120_000,
});
const bare = await startServer((port) => ["bench/bare-fastify.mjs", String(port), listing], { timeoutMs: 60_000, nodeFlags: [] });
const mixed = (url) =>
  autocannon({
    url: `${url}/query`,
    connections: 16,
    duration: seconds,
    requests: [
      { method: "POST", headers: { "content-type": "application/json" }, body: action },
      { method: "POST", headers: { "content-type": "application/json" }, body: jinja },
    ],
  });
// Both at once: each sees the same machine load over the same minutes.
const [a, b] = await Promise.all([mixed(ours.url), mixed(bare.url)]);
const oursRss = ours.rssMb();
const bareRss = bare.rssMb();
await new Promise((r) => setTimeout(r, idleMs + 3000));
const oursIdleRss = ours.rssMb();
await ours.stop();
await bare.stop();
const load = (l) => l.map((x) => x.toFixed(1)).join(", ");
console.log(`\nmixed testaction + Jinja load, c=16 each, ${seconds} s, both servers loaded at once`);
console.log(`load average (1, 5, 15 min): ${load(loadBefore)} before, ${load(loadavg())} after\n`);
console.log(`| server | requests | RSS at end of load (MB) |\n| --- | --- | --- |`);
console.log(`| ours | ${a.requests.total} (${a.non2xx} non-2xx) | ${oursRss.toFixed(0)} |`);
console.log(`| bare Fastify | ${b.requests.total} | ${bareRss.toFixed(0)} |`);
console.log(
  `\nours / bare: ${((oursRss / bareRss) * 100).toFixed(0)} %; requests ours / bare: ${((a.requests.total / b.requests.total) * 100).toFixed(0)} %; ours ${idleMs / 1000 + 3} s after the load (render workers idle-exited): ${oursIdleRss.toFixed(0)} MB`,
);
console.log(`${oursRss <= TARGET_MB ? "PASS" : "FAIL"}: RSS at end of load ${oursRss.toFixed(0)} MB, target <= ${TARGET_MB} MB`);
