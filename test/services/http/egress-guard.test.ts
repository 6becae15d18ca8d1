// The egress guard on its own (resolveAllowed for transports with their own sockets),
// and its interplay with connection set-up: every new connection is checked again and
// uses exactly the address that was checked.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEgressGuard, createHttpClient, HttpError, resolveAllowed, type ServerHttpClient } from "../../../src/services/http/index.js";
import { isRetryable } from "../../../src/services/http/errors.js";
import { fakeDns, startHttpServer, type TestServer } from "./helpers.js";

async function refusal(p: Promise<unknown>): Promise<HttpError> {
  const e = await p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HttpError);
  return e as HttpError;
}

describe("resolveAllowed", () => {
  const dns = fakeDns({
    "smtp.example.test": ["198.51.100.7", "2001:db8::7"],
    "relay.corp.test": ["10.0.0.25"],
    "mx.corp.test": ["10.0.0.26"],
    "dual.test": ["::ffff:198.51.100.8"],
  });

  it("returns the first checked address and its family", async () => {
    const guard = createEgressGuard({}, dns);
    expect(await guard.resolveAllowed("smtp.example.test", 25)).toEqual({ address: "198.51.100.7", family: 4 });
    expect(await guard.resolveAll("smtp.example.test", 25)).toEqual([
      { address: "198.51.100.7", family: 4 },
      { address: "2001:db8::7", family: 6 },
    ]);
    expect(await guard.resolveAllowed("dual.test", 25)).toEqual({ address: "::ffff:c633:6408", family: 6 });
  });

  it("normalises IP literals without asking DNS", async () => {
    const before = dns.queries.length;
    expect(await resolveAllowed("0xc6.51.100.9", 587, {}, dns)).toEqual({ address: "198.51.100.9", family: 4 });
    expect(await resolveAllowed("[2001:db8::9]", 587, {}, dns)).toEqual({ address: "2001:db8::9", family: 6 });
    expect(dns.queries.length).toBe(before);
  });

  it("allows private relays by default and refuses them when configured", async () => {
    expect((await resolveAllowed("relay.corp.test", 25, {}, dns)).address).toBe("10.0.0.25");
    const e = await refusal(resolveAllowed("relay.corp.test", 25, { denyPrivate: true }, dns));
    expect(e.kind).toBe("egress");
    expect(e.message).toBe(
      "egress denied for relay.corp.test:25: it resolves to 10.0.0.25, a private address (10.0.0.0/8); private addresses are not allowed",
    );
  });

  it("lets allow-list names, suffixes and CIDRs through", async () => {
    expect((await resolveAllowed("relay.corp.test", 25, { denyPrivate: true, allow: ["relay.corp.test"] }, dns)).address).toBe("10.0.0.25");
    expect((await resolveAllowed("mx.corp.test", 25, { denyPrivate: true, allow: ["*.corp.test"] }, dns)).address).toBe("10.0.0.26");
    expect((await resolveAllowed("mx.corp.test", 25, { denyPrivate: true, allow: [".corp.test"] }, dns)).address).toBe("10.0.0.26");
    expect((await resolveAllowed("mx.corp.test", 25, { denyPrivate: true, allow: ["10.0.0.0/24"] }, dns)).address).toBe("10.0.0.26");
    expect((await resolveAllowed("10.0.0.1", 25, { denyPrivate: true, allow: ["10.0.0.0/24"] }, dns)).address).toBe("10.0.0.1");
    // A suffix does not match the bare domain or look-alikes.
    await refusal(
      resolveAllowed("evilcorp.test", 25, { denyPrivate: true, allow: [".corp.test"] }, fakeDns({ "evilcorp.test": ["10.0.0.9"] })),
    );
    await refusal(resolveAllowed("10.0.1.1", 25, { denyPrivate: true, allow: ["10.0.0.0/24"] }, dns));
  });

  it("rejects malformed allow-list entries at start-up", () => {
    expect(() => createEgressGuard({ allow: ["exa mple"] })).toThrow(/allow-list entry/);
  });

  it("classifies DNS failures", async () => {
    const nx = await refusal(resolveAllowed("nowhere.test", 25, {}, dns));
    expect(nx.kind).toBe("network");
    expect(isRetryable(nx)).toBe(false);
    const flaky = async () => {
      throw Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" });
    };
    const again = await refusal(resolveAllowed("later.test", 25, {}, flaky));
    expect(again.kind).toBe("network");
    expect(isRetryable(again)).toBe(true);
    const empty = await refusal(resolveAllowed("empty.test", 25, {}, async () => []));
    expect(empty.kind).toBe("network");
  });

  it("refuses resolver answers that are not addresses", async () => {
    const e = await refusal(resolveAllowed("odd.test", 25, {}, async () => [{ address: "not-an-ip", family: 4 }]));
    expect(e.kind).toBe("egress");
  });

  it("refuses hosts that are not host names", async () => {
    for (const host of ["127.0.0.1 evil.test", "a@b", "x/y", ""]) {
      expect((await refusal(resolveAllowed(host, 25, {}, dns))).kind).toBe("invalid_url");
    }
  });
});

describe("checks at connection time", () => {
  let server: TestServer;
  let client: ServerHttpClient;
  // First answer inside the allowed range, every later answer the metadata address.
  const dns = fakeDns({
    "rebind.test": (n) => (n === 1 ? ["127.0.0.1"] : ["169.254.169.254"]),
    "fallback.test": ["::1", "127.0.0.1"],
  });

  beforeAll(async () => {
    server = await startHttpServer((_req, res) => res.end("ok"));
    client = createHttpClient({
      timeoutMs: 2000,
      userAgent: "guard/1",
      maxResponseBytes: 100,
      lookup: dns,
      proxy: "",
      retryMaxAttempts: 1,
    });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it("re-checks every new connection (DNS rebinding)", async () => {
    const first = await client.request(`http://rebind.test:${server.port}/`, { headers: { connection: "close" } });
    expect(first.body).toBe("ok");
    const before = server.connections;
    const e = await refusal(client.request(`http://rebind.test:${server.port}/`));
    expect(e.kind).toBe("egress");
    expect(e.message).toContain("169.254.169.254");
    expect(server.connections).toBe(before);
  });

  it("falls back to the next checked address when one refuses the connection", async () => {
    // ::1 has no listener; 127.0.0.1 does. Both were checked.
    const res = await client.request(`http://fallback.test:${server.port}/`);
    expect(res.body).toBe("ok");
  });
});

describe("client options as the server configuration passes them", () => {
  it("accepts denyPrivate/allow at the top level (config.http spread)", async () => {
    const dns = fakeDns({ "siem.corp.test": ["10.0.0.30"] });
    const configHttp = { timeoutMs: 1000, maxResponseBytes: 100, denyPrivate: true, allow: ["siem.corp.test"] };
    const client = createHttpClient({ ...configHttp, userAgent: "misp-modules-ts/test", proxy: "", lookup: dns });
    try {
      expect((await refusal(client.request("http://127.0.0.1:9/"))).kind).toBe("egress");
      expect(await client.resolveAllowed("siem.corp.test", 514)).toEqual({ address: "10.0.0.30", family: 4 });
    } finally {
      await client.close();
    }
  });
});

describe("isHttpError", () => {
  it("recognises HttpErrors, including look-alikes from another module copy", async () => {
    const { isHttpError } = await import("../../../src/services/http/types.js");
    expect(isHttpError(new HttpError("timeout", "x"))).toBe(true);
    const foreign = Object.assign(new Error("boom"), { name: "HttpError", kind: "network" });
    expect(isHttpError(foreign)).toBe(true);
    expect(isHttpError(new Error("plain"))).toBe(false);
    expect(isHttpError({ name: "HttpError", kind: "x", message: "not an Error" })).toBe(false);
  });
});
