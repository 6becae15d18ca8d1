import { beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { builtinRoot, loadRoot } from "../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../src/core/registry/registry.js";
import type { LoadedModule } from "../../src/core/registry/registry.js";
import type { ParamSpec } from "../../src/sdk/params.js";
import { loadConfig } from "../../src/core/config.js";
import { SecretStore } from "../../src/services/secrets/store.js";
import { HttpError } from "../../src/services/http/types.js";
import type { ServerHttpClient } from "../../src/services/http/client.js";
import { runQuery } from "../../src/core/runtime/run-query.js";
import type { Services } from "../../src/core/runtime/services.js";
import { paramId } from "../../src/engines/cakephp-hash/inflector.js";
import { isValidPath } from "../../src/engines/cakephp-hash/index.js";
import { compileJinja, renderJinja } from "../../src/engines/jinja/render.js";
import { roaming } from "../helpers/app.js";

// MISP shows a parameter's `value` as the placeholder of an empty field, and has no select or
// checkbox: what users see is what they type. Every placeholder of every shipped module must
// therefore be accepted when typed exactly as shown — by the parameter's parser, by the Jinja
// engine for template parameters (MISP renders them), by the hash-path validator for paths, and by
// the module itself. The registry of built-ins is walked, so a new module is checked too.

const registry = new ModuleRegistry();
let actions: LoadedModule[] = [];
beforeAll(async () => {
  await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } });
  actions = registry.all().filter((m) => m.def.kind === "action");
});

const paramsOf = (m: LoadedModule) => (m.def.kind === "action" ? (Object.entries(m.def.params) as Array<[string, ParamSpec]>) : []);
const DATA = roaming("event-publish-tlp-red");

describe("placeholders of the built-in action modules", () => {
  it("there are modules and placeholders to check", () => {
    expect(actions.length).toBeGreaterThanOrEqual(12);
    expect(actions.flatMap(paramsOf).filter(([, p]) => p.placeholder).length).toBeGreaterThan(30);
  });

  it("every placeholder passes its parameter's validator", () => {
    const refused: string[] = [];
    for (const m of actions) {
      for (const [name, p] of paramsOf(m)) {
        if (p.placeholder === undefined) continue;
        const parsed = p.schema.safeParse(p.placeholder);
        if (!parsed.success)
          refused.push(`${m.name}.${name} = ${JSON.stringify(p.placeholder)}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
        if (p.widget === "hash_path") {
          const v = isValidPath(p.placeholder);
          if (!v.ok) refused.push(`${m.name}.${name}: ${v.error}`);
        }
        if (p.jinja) {
          try {
            compileJinja(p.placeholder);
            renderJinja(p.placeholder, DATA);
          } catch (err) {
            refused.push(`${m.name}.${name}: the template does not render: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(refused).toEqual([]);
  });

  it("no hint lists an empty choice or an empty default", () => {
    const bad: string[] = [];
    for (const m of actions) {
      for (const [name, p] of paramsOf(m)) {
        const hints = [p.description, p.placeholder ?? ""];
        for (const h of hints) if (/(One of|Default):\s*[,.]|,\s*,|,\s*\.|\|\s*\|/.test(h)) bad.push(`${m.name}.${name}: ${h}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("no hint gives two defaults", () => {
    const twice = actions.flatMap((m) =>
      paramsOf(m)
        .filter(([, p]) => (p.description.match(/\bDefault:/g) ?? []).length > 1)
        .map(([n, p]) => `${m.name}.${n}: ${p.description}`),
    );
    expect(twice).toEqual([]);
  });

  it("every module accepts its placeholders when a node is filled in with them exactly", async () => {
    // No network: every outbound request and SMTP resolution fails with a recognisable error, so a
    // reply either names a parameter (refused) or reports that failure (everything was accepted).
    const http: ServerHttpClient = {
      request: async () => {
        throw new HttpError("network", "NO-NETWORK-IN-TEST");
      },
      resolveAllowed: async () => {
        throw new HttpError("network", "NO-NETWORK-IN-TEST");
      },
      close: async () => {},
    };
    const config = loadConfig({ flags: { watch: false }, env: {} });
    const services: Services = {
      config,
      log: pino({ level: "silent" }),
      http,
      secrets: new SecretStore({ envPrefix: config.secrets.envPrefix, env: {} }),
      env: {},
    };
    // Required parameters that have no placeholder (credentials, ids) get a well-formed value.
    const filled: Record<string, Record<string, string>> = {
      telegram: { bot_token: "123456:ABC-def_ghi", chat_id: "-1001234567890" },
      splunk_hec: { hec_token: "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba" },
      nextcloud_talk: { nextcloud_conversation_token: "a1b2c3d4", bot_secret: "bot-secret-for-test" },
      mattermost: { bot_access_token: "token-for-test", channel_id: "4xp9fdt7pbgium38k8opjhecxo" },
      slack: { slack_bot_token: "xoxb-token-for-test", channel_id: "C0123ABCD" },
      mail: { mail_from: "misp@example.org", smtp_host: "smtp.example.org" },
      qradar: { sec_token: "5e0f1b63-5b42-4b0c-9d53-37b4a8f0c2a1" },
      sentinel: { client_secret: "Zx8Q~secret-for-test" },
      pagerduty: { routing_key: "R0ut1ngKeyForTheStandIn000000001" },
      webex: { bot_token: "webex-bot-token-for-test" },
      thehive: { api_key: "thehive-key-for-test" },
      dfir_iris: { api_key: "iris-key-for-test" },
      flowintel: { api_key: "flowintel-key-for-test" },
    };
    const refusals: string[] = [];
    for (const m of actions) {
      const params: Record<string, string> = {};
      for (const [name, p] of paramsOf(m)) {
        let value = filled[m.name]?.[name] ?? p.placeholder ?? "";
        // MISP renders jinja_supported values before the call and sends the result.
        if (p.jinja && value !== "") value = renderJinja(value, DATA);
        params[paramId(name)] = value;
      }
      const { reply } = await runQuery({ module: m.name, data: DATA, params }, registry, services);
      const error = typeof reply.error === "string" ? reply.error : "";
      for (const [name, p] of paramsOf(m)) {
        if (p.placeholder !== undefined && !filled[m.name]?.[name] && error.includes(`parameter "${name}"`))
          refusals.push(`${m.name}: ${error}`);
      }
      // Reaching the network (or blocking on the event, for the guards) shows every value was accepted.
      const guard = m.def.kind === "action" && m.def.blocking === true;
      if (!guard && m.name !== "testaction") expect(error, m.name).toContain("NO-NETWORK-IN-TEST");
      if (guard) expect(error, m.name).not.toMatch(/parameter "/);
    }
    expect(refusals).toEqual([]);
  });
});
