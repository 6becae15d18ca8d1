import { observersOf } from "../../src/core/runtime/observers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConsoleApp, type ConsoleTestApp } from "./helpers.js";

const TOKEN = "console-token-for-tests-0123456789";

describe("console access without a token: loopback clients only", () => {
  let t: ConsoleTestApp;
  beforeAll(async () => {
    t = await startConsoleApp();
  });
  afterAll(() => t.close());

  it("serves loopback clients", async () => {
    expect((await t.api("/status")).status).toBe(200);
    expect((await fetch(`${t.url}/console/`)).status).toBe(200);
  });

  it("refuses other clients with a clear error, but MISP's receiver still answers 200", async () => {
    for (const url of ["/console/api/status", "/console/", "/console/login", "/console/assets/app.js"]) {
      const r = await t.app.server.inject({ method: "GET", url, remoteAddress: "10.1.2.3" });
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error).toMatch(/loopback clients only/);
    }
    const post = await t.app.server.inject({
      method: "POST",
      url: "/workflow-debug/event-publish/init?type=blocking",
      remoteAddress: "10.1.2.3",
      payload: "{}",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(post.statusCode).toBe(200);
  });

  it("refuses cross-site state changes (CSRF): non-JSON bodies and foreign origins", async () => {
    const plain = await fetch(`${t.url}/console/api/render`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ template: "x" }),
    });
    expect(plain.status).toBe(415);
    const foreign = await fetch(`${t.url}/console/api/render`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ template: "x" }),
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toMatch(/cross-origin/);
    const same = await fetch(`${t.url}/console/api/render`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: t.url },
      body: JSON.stringify({ template: "x" }),
    });
    expect(same.status).toBe(200);
  });
});

describe("console access with a token", () => {
  let t: ConsoleTestApp;
  beforeAll(async () => {
    t = await startConsoleApp({ token: TOKEN });
  });
  afterAll(() => t.close());

  it("requires it for the API (Bearer) and sends pages to the login form", async () => {
    const none = await t.api("/status");
    expect(none.status).toBe(401);
    expect((none.body as { error: string }).error).toMatch(/Bearer/);
    expect((await t.api("/status", undefined, { authorization: "Bearer wrong-token-xxxxxxxxxxxx" })).status).toBe(401);
    expect((await t.api("/status", undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const page = await fetch(`${t.url}/console/`, { redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/console/login");
    // Also from other hosts: the token is what counts.
    const remote = await t.app.server.inject({
      method: "GET",
      url: "/console/api/status",
      remoteAddress: "10.1.2.3",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(remote.statusCode).toBe(200);
  });

  it("login sets an HttpOnly, SameSite=Strict session cookie; replays need JSON", async () => {
    const bad = await fetch(`${t.url}/console/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=nope",
    });
    expect(bad.status).toBe(401);
    const ok = await fetch(`${t.url}/console/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0]!;
    expect((await t.api("/status", undefined, { cookie: session })).status).toBe(200);
    expect((await fetch(`${t.url}/console/`, { headers: { cookie: session } })).status).toBe(200);
    const form = await fetch(`${t.url}/console/api/queries/1/replay`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: "params=x",
    });
    expect(form.status).toBe(415);
    const out = await fetch(`${t.url}/console/logout`, { method: "POST", redirect: "manual", headers: { cookie: session } });
    expect(out.status).toBe(303);
    expect((await t.api("/status", undefined, { cookie: session })).status).toBe(401);
  });
});

describe("--no-console", () => {
  let t: ConsoleTestApp;
  beforeAll(async () => {
    t = await startConsoleApp({ enabled: false });
  });
  afterAll(() => t.close());

  it("removes every console and receiver route, and records nothing", async () => {
    for (const url of ["/console/", "/console/api/status", "/console/login", "/workflow-debug/event-publish/init"]) {
      const r = await fetch(`${t.url}${url}`, {
        method: url.startsWith("/workflow") ? "POST" : "GET",
        body: url.startsWith("/workflow") ? "{}" : undefined,
      });
      expect(r.status, url).toBe(404);
    }
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).some((p) => p.startsWith("/console"))).toBe(false);
    // No journal watches queries (the metrics may).
    expect(observersOf(t.app.services).some((o) => "store" in o)).toBe(false);
    expect((await t.query({ module: "testaction", data: {} })).status).toBe(200);
  });
});
