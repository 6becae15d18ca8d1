import { describe, expect, it } from "vitest";
import { BaseUrlError, normaliseBaseUrl } from "../../../src/modules/shared/messages/base-url.js";
import { urlSecretParts } from "../../../src/modules/shared/messages/deliver.js";
import { fitText, jsonBytes } from "../../../src/modules/shared/messages/fit.js";
import { httpBuildQuery, phpUrlencode } from "../../../src/modules/shared/messages/form-encode.js";
import { bodyExcerpt, describeFailure, retryAfterSeconds, statusLine } from "../../../src/modules/shared/messages/http-failure.js";
import { messageText } from "../../../src/modules/shared/messages/message-text.js";
import { signBotMessage } from "../../../src/modules/shared/messages/talk-bot.js";
import { adaptiveParagraphs } from "../../../src/modules/shared/messages/teams-cards.js";
import {
  mergeHeaders,
  parseExpectedStatus,
  parseHeaderLines,
  urlAllowed,
  webhookBody,
} from "../../../src/modules/shared/messages/webhook-request.js";
import type { HttpResponse } from "../../../src/services/http/types.js";
import { roaming } from "../../helpers/app.js";

// Unit tests of the helpers shared by the messaging modules (src/modules/shared/messages).

function response(status: number, body = "", headers: Record<string, string> = {}): HttpResponse {
  return { status, statusText: "", headers, body, truncated: false, attempts: 1, url: "http://x.invalid/", json: () => JSON.parse(body) };
}

describe("failure descriptions", () => {
  it("names status and reason, with the body excerpt cut at 300 characters", () => {
    expect(statusLine({ status: 404, statusText: "" })).toBe("404 Not Found");
    expect(statusLine({ status: 599, statusText: "" })).toBe("599");
    expect(describeFailure(response(500, "boom"))).toBe("HTTP 500 Internal Server Error: boom");
    expect(describeFailure(response(502))).toBe("HTTP 502 Bad Gateway");
    const long = describeFailure(response(500, "a\n\n b ".repeat(400)));
    expect(long.length).toBe("HTTP 500 Internal Server Error: ".length + 300);
    expect(long).not.toContain("\n");
  });
  it("prefers the vendor detail, scrubs secrets, adds Retry-After", () => {
    expect(describeFailure(response(403, "{}"), { detail: "not allowed for token abcd1234", secrets: ["abcd1234"] })).toBe(
      "HTTP 403 Forbidden: not allowed for token ***",
    );
    expect(describeFailure(response(401, "no"), { prefix: "authentication failed" })).toBe(
      "authentication failed (HTTP 401 Unauthorized): no",
    );
    expect(describeFailure(response(429, "", { "retry-after": "7" }))).toBe("HTTP 429 Too Many Requests, rate limited, retry after 7 s");
    expect(describeFailure(response(429, "x"), { rateLimitText: "throttled" })).toBe("HTTP 429 Too Many Requests, throttled: x");
  });
  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2024-10-20T10:00:00Z");
    expect(retryAfterSeconds({ "retry-after": "120" }, now)).toBe(120);
    expect(retryAfterSeconds({ "retry-after": "Sun, 20 Oct 2024 10:01:30 GMT" }, now)).toBe(90);
    expect(retryAfterSeconds({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterSeconds({}, now)).toBeUndefined();
  });
  it("shows a redirect target without its query", () => {
    expect(describeFailure(response(302, "", { location: "https://login.example/auth?token=abcdef123" }))).toBe(
      "HTTP 302 Found, redirected to https://login.example/auth",
    );
  });
  it("bodyExcerpt flattens whitespace", () => {
    expect(bodyExcerpt("  a\r\n\tb  ")).toBe("a b");
  });
});

describe("form encoding (PHP http_build_query)", () => {
  it("encodes nested keys, booleans, skips null, uses + for spaces", () => {
    expect(httpBuildQuery({ a: { b: [1, true, false, null, "x y"] }, "c~*": "é!" })).toBe(
      "a%5Bb%5D%5B0%5D=1&a%5Bb%5D%5B1%5D=1&a%5Bb%5D%5B2%5D=0&a%5Bb%5D%5B4%5D=x+y&c%7E%2A=%C3%A9%21",
    );
    expect(httpBuildQuery(["p", "q"])).toBe("0=p&1=q");
    expect(httpBuildQuery("plain")).toBe("plain");
    expect(phpUrlencode("a-b_c.d e'(")).toBe("a-b_c.d+e%27%28");
  });
});

describe("webhook request pieces", () => {
  it("parses header lines and merges them case-insensitively", () => {
    expect(parseHeaderLines("A: 1\r\n\nX-Y:  two: parts ")).toEqual([
      ["A", "1"],
      ["X-Y", "two: parts"],
    ]);
    expect(mergeHeaders({ Accept: "application/json", "Content-Type": "application/json" }, [["content-type", "text/csv"]])).toEqual({
      accept: "application/json",
      "content-type": "text/csv",
    });
    expect(() => parseHeaderLines("ok: 1\nbroken")).toThrow('line 2 has no ":"');
    expect(() => parseHeaderLines("Bad(name): 1")).toThrow("invalid header name");
  });
  it("matches expected status codes and classes", () => {
    const m = parseExpectedStatus("200, 202;3xx");
    expect([200, 201, 202, 301, 399, 404].map(m)).toEqual([true, false, true, true, true, false]);
    expect(() => parseExpectedStatus("  ")).toThrow("is empty");
    expect(() => parseExpectedStatus("2x")).toThrow('"2x"');
  });
  it("builds bodies per content type", () => {
    expect(webhookBody("json", undefined, { a: 1 })).toBe('{"a":1}');
    expect(webhookBody("json", '["ok"]', { a: 1 })).toBe('["ok"]');
    expect(() => webhookBody("json", "{oops", {})).toThrow("is not valid JSON");
    expect(webhookBody("form", undefined, { a: "b c" })).toBe("a=b+c");
    expect(webhookBody("text", undefined, "plain")).toBe("plain");
    expect(webhookBody("text", undefined, ["x"])).toBe('["x"]');
  });
  it("matches allow-list patterns against the whole URL", () => {
    expect(urlAllowed("https://hooks.example.org/a/b", ["https://hooks.example.org/*"])).toBe(true);
    expect(urlAllowed("https://hooks.example.org.evil.example/a", ["https://hooks.example.org/*"])).toBe(false);
    expect(urlAllowed("https://x.example/", [])).toBe(false);
  });
});

describe("base URLs, URL secrets, fitting, Talk signatures, Teams paragraphs", () => {
  it("normalises base URLs as users type them", () => {
    expect(normaliseBaseUrl("chat.example.org")).toBe("https://chat.example.org");
    expect(normaliseBaseUrl(" http://chat.example.org:8065/mm/ ")).toBe("http://chat.example.org:8065/mm");
    expect(normaliseBaseUrl("https://cloud.example.org:443/")).toBe("https://cloud.example.org");
    expect(() => normaliseBaseUrl("ftp://x.example")).toThrow(BaseUrlError);
    expect(() => normaliseBaseUrl("https://user:pw@x.example")).toThrow("credentials");
  });
  it("lists the secret parts of a webhook URL", () => {
    // Parts shorter than 4 characters are not listed (never searched for); the whole path is.
    expect(urlSecretParts("https://hooks.slack.com/services/T1/B2/xyz?sig=abc&sv=1")).toEqual([
      "/services/T1/B2/xyz",
      "sig=abc&sv=1",
      "hooks.slack.com/services/T1/B2/xyz",
    ]);
    // Every path segment but the fixed webhook words, and query values as written and decoded.
    expect(new Set(urlSecretParts("https://hooks.slack.com/services/T0AB12/B0CD34/xoxSecret?sig=abc%2Bd&sv=1"))).toEqual(
      new Set([
        "abc%2Bd",
        "abc+d",
        "/services/T0AB12/B0CD34/xoxSecret",
        "sig=abc%2Bd&sv=1",
        "sig=abc+d&sv=1",
        "hooks.slack.com/services/T0AB12/B0CD34/xoxSecret",
        "T0AB12",
        "B0CD34",
        "xoxSecret",
      ]),
    );
    expect(urlSecretParts("not a url")).toEqual([]);
  });
  it("fits text into a byte budget after JSON escaping", () => {
    const text = '"\\'.repeat(1000);
    const out = fitText(text, (t) => jsonBytes({ t }) <= 500);
    expect(jsonBytes({ t: out })).toBeLessThanOrEqual(500);
    expect(jsonBytes({ t: out })).toBeGreaterThan(480);
    expect(fitText("short", () => true)).toBe("short");
  });
  it("signs random + message with HMAC-SHA256 (vector computed with openssl dgst -hmac)", () => {
    expect(signBotMessage("s3cret", "Hello Talk", "0123456789abcdef")).toEqual({
      random: "0123456789abcdef",
      signature: "47cdc6af7737802598fdbd2f9a889be7ed5f5fde462dffd2f02b00e11d4a16b8",
    });
    expect(signBotMessage("s3cret", "m").random).toMatch(/^[0-9a-f]{64}$/);
  });
  it("doubles single line breaks for Adaptive Cards", () => {
    expect(adaptiveParagraphs("a\nb\r\nc\n\nd\n\n\ne")).toBe("a\n\nb\n\nc\n\nd\n\n\ne");
  });
});

describe("messageText", () => {
  it("uses the template as is, else the (escaped) summary with filtered items", () => {
    const data = roaming("event-publish-minimal-no-tags");
    expect(messageText({ template: "{{ x }} & <b>", data, maxLength: 100, escape: (s) => s.toUpperCase() })).toBe("{{ x }} & <b>");
    expect(messageText({ template: "", data, maxLength: 30 })).toBe("[MISP] Event 1205… (truncated)");
    expect(messageText({ template: "  ", data: { Event: { id: "1" } }, maxLength: 100, escape: (s) => s.toUpperCase() })).toBe(
      "[MISP] EVENT 1",
    );
    expect(messageText({ template: "", data: { Event: { id: "1" } }, maxLength: 100, filteredItems: [{ v: 1 }] })).toBe(
      '[MISP] Event 1\n[{"v":1}]',
    );
  });
});
