import { afterAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { closeTemplatePool } from "../../src/engines/jinja/pool.js";
import { runQuery } from "../helpers/query-command.js";

// The guards run the way a module author checks a node offline: `misp-modules-ts query`
// builds MISP's request from a roaming fixture (rendering jinja_supported parameters with our
// jinja_template_rendering first, as MISP does) and runs it in-process.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const fixture = (name: string) => join(repo, `test/fixtures/roaming/${name}.json`);

// runQueryCommand is what the CLI's `query` runs (argument parsing aside, covered by query.test.ts);
// called here rather than in a child process, which needs a minute to start on a loaded machine.
async function query(module: string, data: string, params: string[]) {
  // MISP's default 10 s deadline would let a loaded test machine time the renders out.
  const r = await runQuery({ module, data: fixture(data), params, compact: true, mispTimeout: 120 });
  return { status: r.code, reply: JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>, stderr: r.stderr };
}

afterAll(() => closeTemplatePool());

describe("guards through `misp-modules-ts query`", () => {
  it("jinja_condition: MISP's rendering of the condition, then the block with the rendered message", async () => {
    const cond = "condition={{ 'tlp:red' in Event.Tag|map(attribute='name') }}";
    const msg = "message=Event {{ Event.id }} ({{ Event.info }}) is tlp:red";
    const red = await query("jinja_condition", "event-publish-tlp-red", [cond, msg]);
    expect(red.reply).toEqual({ error: "jinja_condition: Event 1201 (Ransomware C2 infrastructure observed in phishing wave) is tlp:red" });
    expect(red.status).toBe(1);
    const white = await query("jinja_condition", "event-publish-tlp-white", [cond, msg]);
    expect(white.reply).toEqual({ data: true });
    expect(white.status).toBe(0);
    // MISP's own help example is always false (Tag is a list of objects): it lets everything pass.
    expect((await query("jinja_condition", "event-publish-tlp-red", ["condition={{ 'tlp:red' in Event.Tag }}"])).reply).toEqual({
      data: true,
    });
  }, 120_000);

  it("publish_guard and tag_gate", async () => {
    const pg = await query("publish_guard", "event-publish-tlp-red", ["forbidden_tags=tlp:red, PAP:RED", "min_attributes=3"]);
    expect(pg.reply.error).toBe(
      'publish_guard: event 1201 "Ransomware C2 infrastructure observed in phishing wave" cannot be published (1 rule failed):\n- forbidden tag present: tlp:red (event), PAP:RED (event)',
    );
    expect((await query("tag_gate", "event-publish-onion-pap-red", [])).reply.error).toContain("- tagged event: PAP:RED");
    expect((await query("tag_gate", "event-publish-tlp-white", [])).reply).toEqual({ data: true });
  }, 120_000);
});
