import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { loggerOptions } from "../../src/core/logger.js";
import { prettyDestination, prettyLine, resolveLogFormat } from "../../src/core/logger-pretty.js";
import { loadConfig } from "../../src/core/config.js";

// Lines for people (docs/operations.md, "Logs"): the same records and the same redaction as JSON.

const SECRET = "s3cr3t-value-0042";

function logBoth(write: (log: ReturnType<typeof pino>) => void): { json: string; pretty: string; plain: string } {
  const out = { json: "", pretty: "", plain: "" };
  const opts = loggerOptions(true) as object;
  write(pino(opts, { write: (s: string) => (out.json += s) }));
  write(pino(opts, prettyDestination({ write: (s: string) => (out.pretty += s) }, true)));
  write(pino(opts, prettyDestination({ write: (s: string) => (out.plain += s) }, false)));
  return out;
}

describe("pretty logs", () => {
  it("a known secret never appears in either format; the redaction marker does in both", () => {
    const { json, pretty, plain } = logBoth((log) => {
      log.info({ module: "webhook", params: { api_key: SECRET, url: "https://example.invalid" } }, "query");
      log.warn({ password: SECRET, nested: { auth: { token: SECRET } } }, "delivery failed");
      log.error({ err: { message: "boom", authorization: `Bearer ${SECRET}` } }, "crash");
    });
    for (const text of [json, pretty, plain]) {
      expect(text).not.toContain(SECRET);
      expect(text).toContain("[redacted]");
    }
    // Same number of lines, same messages.
    expect(pretty.trim().split("\n")).toHaveLength(3);
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  query module=webhook params=/m);
    expect(plain).toMatch(/WARN  delivery failed password=\[redacted\]/);
    expect(plain).toMatch(/ERROR crash err=/);
  });

  it("colours by level on a terminal only; a line that is not JSON passes through", () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: "x", code: 7 });
    expect(prettyLine(line, true)).toContain("\x1b[31mERROR");
    expect(prettyLine(line, false)).not.toContain("\x1b[");
    expect(prettyLine(line, false)).toBe("00:00:00.000 ERROR x code=7\n");
    expect(prettyLine("not json", false)).toBe("not json\n");
  });

  it("auto is pretty on a TTY and JSON elsewhere; the format comes from config, env or flag", () => {
    expect(resolveLogFormat("auto", true)).toBe("pretty");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(loadConfig({ env: { MISP_MODULES_LOG_FORMAT: "pretty" } }).logFormat).toBe("pretty");
    expect(loadConfig({ env: {}, flags: { logFormat: "json" } }).logFormat).toBe("json");
    expect(() => loadConfig({ env: { MISP_MODULES_LOG_FORMAT: "fancy" } })).toThrow(/logFormat/);
  });
});
