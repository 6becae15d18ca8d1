import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { builtinRoot, loadRoot } from "../../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../../src/core/registry/registry.js";
import { moduleReferenceMarkdown } from "../../../src/core/introspection/module-reference.js";
import { moduleTableMarkdown, serverSettingKeys } from "../../../src/core/introspection/module-table.js";
import {
  defineExpansionModule,
  readServerSettings,
  ServerSettingError,
  serverSetting,
  type ModuleContext,
} from "../../../src/sdk/index.js";
import { isModuleError } from "../../../src/sdk/errors.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";

// Declared server settings (docs/writing-modules.md#server-settings): parsed and defaulted,
// checked when the module loads (a bad value names module and key), listed by `modules`.

const SPECS = {
  cache_ttl_seconds: serverSetting.integer({ min: 0, default: 3600, description: "TTL." }),
  verify: serverSetting.boolean({ default: true, description: "Verify." }),
  mode: serverSetting.oneOf(["fast", "slow"] as const, { description: "Mode." }),
  hosts: serverSetting.list({ description: "Hosts." }),
  token: serverSetting.secret({ description: "Token." }),
};

describe("readServerSettings", () => {
  it("applies typed defaults when nothing is configured", () => {
    const values = readServerSettings("m", SPECS, () => undefined);
    expect(values).toEqual({ cache_ttl_seconds: 3600, verify: true, mode: undefined, hosts: [], token: undefined });
    expectTypeOf(values.cache_ttl_seconds).toEqualTypeOf<number>();
    expectTypeOf(values.mode).toEqualTypeOf<"fast" | "slow" | undefined>();
  });

  it("parses configured strings", () => {
    const raw: Record<string, string> = {
      cache_ttl_seconds: " 0 ",
      verify: "off",
      mode: "SLOW",
      hosts: "a.example, b.example c",
      token: " t ",
    };
    expect(readServerSettings("m", SPECS, (k) => raw[k])).toEqual({
      cache_ttl_seconds: 0,
      verify: false,
      mode: "slow",
      hosts: ["a.example", "b.example", "c"],
      token: " t ",
    });
  });

  it.each([
    ["cache_ttl_seconds", "-1", /modules\.m\.cache_ttl_seconds must be a whole number ≥ 0, got "-1".*MISP_MODULES_M_CACHE_TTL_SECONDS/],
    ["verify", "maybe", /modules\.m\.verify must be true or false/],
    ["mode", "medium", /modules\.m\.mode must be one of fast, slow/],
  ])("a bad %s (%j) names module and key", (key, value, message) => {
    let error: unknown;
    try {
      readServerSettings("m", SPECS, (k) => (k === key ? value : undefined));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServerSettingError);
    expect(isModuleError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it("types ctx.settings in the handler", () => {
    const def = defineExpansionModule({
      meta: { description: "d" },
      moduleType: ["expansion"],
      input: ["text"],
      serverSettings: SPECS,
      handler(_input, ctx) {
        expectTypeOf(ctx.settings.cache_ttl_seconds).toEqualTypeOf<number>();
        expectTypeOf(ctx.settings.hosts).toEqualTypeOf<readonly string[]>();
        return { results: [] };
      },
    });
    expect(Object.keys(def.serverSettings ?? {})).toContain("cache_ttl_seconds");
    // A module that declares nothing keeps the untyped record (and ctx.setting()).
    expectTypeOf<ModuleContext["settings"]>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
  });
});

describe("a bad server setting fails its module at load, naming module and key", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ modules: { hashlookup: { cache_max_entries: 0 } } }, { env: { MISP_MODULES_MAIL_MAX_RECIPIENTS: "lots" } });
  });
  afterAll(() => t?.close());

  it("lists both in /healthcheck and refuses their queries; other modules serve", async () => {
    const health = (await (await fetch(`${t.url}/healthcheck`)).json()) as { modules: { failed: { name: string; error: string }[] } };
    const failed = new Map(health.modules.failed.map((f) => [f.name, f.error]));
    expect(failed.get("hashlookup")).toMatch(/server setting modules\.hashlookup\.cache_max_entries must be a whole number ≥ 1, got "0"/);
    expect(failed.get("mail")).toMatch(
      /server setting modules\.mail\.max_recipients must be a whole number ≥ 1, got "lots".*MISP_MODULES_MAIL_MAX_RECIPIENTS/,
    );
    expect(failed.has("dns")).toBe(false);
    const r = await t.query({ module: "hashlookup", md5: "d41d8cd98f00b204e9800998ecf8427e" });
    expect(r.status).toBe(200);
    expect(String(r.body.error)).toMatch(/modules\.hashlookup\.cache_max_entries/);
  });

  it("never echoes a secret setting's value", () => {
    let message = "";
    try {
      readServerSettings("m", { n: serverSetting.integer({ description: "n" }), token: SPECS.token }, (k) => (k === "n" ? "hunter2" : "x"));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/modules\.m\.n/);
    const secretSpec = {
      token: {
        ...SPECS.token,
        parse: () => {
          throw new Error("is not a token");
        },
      },
    };
    expect(() => readServerSettings("m", secretSpec, () => "s3cret-value")).toThrow(
      /^(?!.*s3cret-value).*modules\.m\.token is not a token/,
    );
  });
});

describe("listings", () => {
  let registry: ModuleRegistry;
  beforeAll(async () => {
    registry = new ModuleRegistry();
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } });
  });

  it("modules --reference and --markdown list declared server settings with their variable and default", () => {
    const reference = moduleReferenceMarkdown(registry.all());
    expect(reference).toContain("| `max_recipients` | `MISP_MODULES_MAIL_MAX_RECIPIENTS` | integer | `50` | — |");
    expect(reference).toContain("| `smtp_password` | `MISP_MODULES_MAIL_SMTP_PASSWORD` | secret | — | yes |");
    expect(reference).toContain("| `cache_ttl_seconds` | `MISP_MODULES_HASHLOOKUP_CACHE_TTL_SECONDS` | integer | `300` |");
    // dns declares its own pace: its defaults, not the shared ones, are listed.
    expect(reference).toContain("| `rate_limit_per_minute` | `MISP_MODULES_DNS_RATE_LIMIT_PER_MINUTE` | integer | `600` |");
    const table = moduleTableMarkdown(
      registry.all().map((m) => m.descriptor),
      serverSettingKeys(registry.all()),
    );
    const mailRow = table.split("\n").find((l) => l.startsWith("| `mail` |"));
    expect(mailRow).toMatch(/`smtp_host`, `smtp_port`.*`max_recipients` \|$/);
  });
});
