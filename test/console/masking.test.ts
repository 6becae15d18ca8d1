import { describe, expect, it } from "vitest";
import { isSecretKey, MASK, maskDeep, TOO_DEEP } from "../../src/console/masking.js";

// What the journal and the receiver mask before anything is stored (docs/console.md, "Secrets"),
// with the path under which each original is kept for replays.

describe("console masking", () => {
  it("masks secret-looking keys, declared keys, node definitions, references and URL credentials, naming each path", () => {
    const originals: Record<string, unknown> = {};
    const masked = maskDeep(
      {
        module: "webhook",
        params: { url: "https://bob:pw@hooks.example/x?token=abc&a=1", headers: "Authorization: Bearer z", foo: "plain", room: "r1" },
        nodes: [
          { id: "hec_token", label: "HEC token", value: "hec-1" },
          { id: "url", value: "https://x.example" },
        ],
        refs: ["secret:MM_TOKEN", "Bearer abc", "bearer", "tokenless text"],
        flag: { api_key: true, password: "" },
      },
      new Set(["room"]),
      "",
      originals,
    );
    expect(masked).toEqual({
      module: "webhook",
      params: { url: `https://${MASK}@hooks.example/x?token=${MASK}&a=1`, headers: MASK, foo: "plain", room: MASK },
      nodes: [
        { id: "hec_token", label: "HEC token", value: MASK },
        { id: "url", value: "https://x.example" },
      ],
      refs: [MASK, MASK, "bearer", "tokenless text"],
      flag: { api_key: true, password: "" },
    });
    expect(originals).toEqual({
      "params.url": "https://bob:pw@hooks.example/x?token=abc&a=1",
      "params.headers": "Authorization: Bearer z",
      "params.room": "r1",
      "nodes.0.value": "hec-1",
      "refs.0": "secret:MM_TOKEN",
      "refs.1": "Bearer abc",
    });
  });

  it("starts paths at the given root, and an array index always after a dot", () => {
    const a: Record<string, unknown> = {};
    maskDeep({ token: "t0k3n" }, new Set(), "params", a);
    expect(a).toEqual({ "params.token": "t0k3n" });
    const b: Record<string, unknown> = {};
    maskDeep([{ token: "t0k3n" }, "secret:X"], new Set(), "", b);
    expect(b).toEqual({ ".0.token": "t0k3n", ".1": "secret:X" });
  });

  it("leaves MISP's galaxy `authors` alone, not `authorization`", () => {
    const cluster = { GalaxyCluster: [{ value: "APT 1", authors: ["Alexandre Dulaunoy", "Andras Iklody"], meta: { author: ["x"] } }] };
    const originals: Record<string, unknown> = {};
    expect(maskDeep(cluster, new Set(), "data", originals)).toEqual(cluster);
    expect(originals).toEqual({});
    for (const k of ["authors", "Authors", "author"]) expect(isSecretKey(k)).toBe(false);
    for (const k of ["authorization", "Authorization", "x-auth-token", "oauth", "authkey", "author_token", "AUTH"])
      expect(isSecretKey(k)).toBe(true);
    // Asked again (answers are remembered per name): the same.
    for (const k of ["authors", "authorization", "headers", "Headers", "cookie"]) expect(isSecretKey(k)).toBe(isSecretKey(k));
    expect(isSecretKey("Headers")).toBe(true);
  });

  it("cuts what is nested too deep instead of storing it unmasked", () => {
    let deep: unknown = { token: "t0k3n" };
    for (let i = 0; i < 80; i++) deep = { x: deep };
    const text = JSON.stringify(maskDeep(deep));
    expect(text).toContain(TOO_DEEP);
    expect(text).not.toContain("t0k3n");
  });
});
