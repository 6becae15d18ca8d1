// Runs every benchmark in turn against the built server (`npm run bench` builds first).
// Each script prints its own table; the README's "Performance" section quotes them.
import { spawnSync } from "node:child_process";

const scripts = [
  ["core routes vs bare Fastify", ["bench/core.mjs"]],
  ["jinja_template_rendering", ["bench/jinja-render.mjs", "--baseline"]],
  ["jinja_template_rendering, a new event every request", ["bench/jinja-render.mjs", "--distinct", "256"]],
  ["hash paths", ["bench/hashpath.mjs"]],
  ["splunk_hec batching", ["bench/splunk-hec.mjs"]],
  ["outbox: queued vs sync, drain rate", ["bench/outbox.mjs"]],
];
let failed = 0;
for (const [title, args] of scripts) {
  console.log(`\n## ${title}\n`);
  const r = spawnSync(process.execPath, args, { stdio: "inherit", cwd: new URL("..", import.meta.url) });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
