/**
 * Backtracking regexes from parameters and hash paths (issue 19, finding 2): through a real
 * server on a loopback port, the catastrophic patterns that used to freeze it for 36–42 s
 * answer an `error` naming the parameter within ~2 s, and /healthcheck keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paramId } from "../../src/engines/cakephp-hash/inflector.js";
import { roaming, startTestApp, type TestApp } from "../helpers/app.js";

const EVIL = "a".repeat(30) + "!";
const GUARD_PARAMS = [
  "required_tag_namespaces",
  "forbidden_tags",
  "min_attributes",
  "min_ids_attributes",
  "forbid_internal_ids_ips",
  "require_info",
  "forbidden_info_pattern",
  "restricted_tag",
  "max_distribution",
];
const HEC_PARAMS = [
  "url",
  "hec_token",
  "verify_tls",
  "source_type",
  "source",
  "index",
  "host",
  "event_per_attribute",
  "data_extraction_model",
  "channel",
  "batch_max_bytes",
];

function body(module: string, declared: string[], values: Record<string, string>, data: unknown): string {
  const params: Record<string, string> = {};
  for (const name of declared) params[paramId(name)] = values[name] ?? "";
  return JSON.stringify({ module, data, params, filteredItems: data });
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app.close());

/** Sends the query while polling /healthcheck; returns the reply, its time and the slowest health answer. */
async function queryWhileProbing(
  payload: string,
): Promise<{ reply: Record<string, unknown>; elapsedMs: number; worstHealthMs: number; healthAnswers: number }> {
  let done = false;
  let worstHealthMs = 0;
  let healthAnswers = 0;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${app.url}/healthcheck`);
      await res.text();
      expect(res.status).toBe(200);
      worstHealthMs = Math.max(worstHealthMs, performance.now() - started);
      healthAnswers++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  const res = await fetch(`${app.url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
  const reply = (await res.json()) as Record<string, unknown>;
  const elapsedMs = performance.now() - started;
  expect(res.status).toBe(200);
  done = true;
  await probe;
  console.log(
    `regex bound: reply in ${elapsedMs.toFixed(0)} ms, slowest /healthcheck ${worstHealthMs.toFixed(0)} ms over ${healthAnswers} probes`,
  );
  return { reply, elapsedMs, worstHealthMs, healthAnswers };
}

describe("backtracking regexes are bounded", () => {
  it("publish_guard: forbidden_info_pattern ^(a+)+$ against thirty a and '!' is an error naming the parameter", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: Record<string, unknown> };
    data.Event.info = EVIL;
    const result = await queryWhileProbing(body("publish_guard", GUARD_PARAMS, { forbidden_info_pattern: "^(a+)+$" }, data));
    expect(result.reply.error).toMatch(
      /^publish_guard: parameter "forbidden_info_pattern": the regular expression needs more than [\d,]+ matching steps/,
    );
    expect(result.elapsedMs).toBeLessThan(2000);
    expect(result.worstHealthMs).toBeLessThan(1500);
    expect(result.healthAnswers).toBeGreaterThan(0);
  });

  it("splunk_hec: a [value=/^(a+)+$/] condition in data_extraction_model is an error naming the parameter and field", async () => {
    const data = roaming("event-publish-tlp-red") as { Event: { _AttributeFlattened: Array<Record<string, unknown>> } };
    for (const attribute of data.Event._AttributeFlattened) attribute.value = EVIL;
    const model = JSON.stringify({ hits: "Event._AttributeFlattened.{n}[value=/^(a+)+$/].value" });
    const payload = body(
      "splunk_hec",
      HEC_PARAMS,
      {
        url: "http://127.0.0.1:9/services/collector/event",
        hec_token: "11111111-2222-4333-8444-555555555555",
        data_extraction_model: model,
      },
      data,
    );
    const result = await queryWhileProbing(payload);
    expect(result.reply.error).toMatch(
      /^splunk_hec: parameter "data_extraction_model": field "hits": hash path ".*\[value=\/\^\(a\+\)\+\$\/\]\.value": the regular expression needs more than/,
    );
    // Nine attributes share one budget: the total stays bounded, not nine times the bound.
    expect(result.elapsedMs).toBeLessThan(2000);
    expect(result.worstHealthMs).toBeLessThan(1500);
  });

  it("the server keeps serving normal queries right after", async () => {
    const data = roaming("event-publish-tlp-red");
    const res = await fetch(`${app.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body("publish_guard", GUARD_PARAMS, { forbidden_info_pattern: "(?i)^ransomware" }, data),
    });
    expect(((await res.json()) as { error: string }).error).toContain("matches the forbidden pattern (?i)^ransomware");
  });
});
