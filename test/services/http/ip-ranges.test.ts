import { describe, expect, it } from "vitest";
import { endsInNumber, formatIPv6, parseIPv4, parseIPv6, parseIp } from "../../../src/services/http/ip-address.js";
import { classifyAddress, embeddedIPv4, parseCidr } from "../../../src/services/http/ip-ranges.js";
import { normaliseHost } from "../../../src/services/http/egress-guard.js";

describe("IPv4 literal parsing (WHATWG / inet_aton rules)", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0X7F.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["127.0.0.1.", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["0x", "0.0.0.0"],
    ["4294967295", "255.255.255.255"],
    ["0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
  ])("%s → %s", (input, expected) => {
    expect(parseIPv4(input)?.address).toBe(expected);
    // Cross-check against the WHATWG URL parser Node ships.
    expect(new URL(`http://${input}/`).hostname).toBe(expected);
  });

  it.each(["1.2.3.256", "4294967296", "08.1", "1.1.1.09", "1.2.3.4.5", "0x100000000", "1..2", "", "a.b"])("rejects %s", (input) => {
    expect(parseIPv4(input)).toBeUndefined();
  });

  it("knows which hosts must be IPv4 literals", () => {
    expect(endsInNumber("foo.0x7f")).toBe(true);
    expect(endsInNumber("1.2.3.256")).toBe(true);
    expect(endsInNumber("127.0.0.1.nip.io")).toBe(false);
    expect(endsInNumber("example.com.")).toBe(false);
  });
});

describe("IPv6 literal parsing", () => {
  it.each([
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["::", "::"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["0:0:0:0:0:ffff:7f00:1", "::ffff:7f00:1"],
    ["fe80::1%eth0", "fe80::1"],
    ["FD00:EC2::254", "fd00:ec2::254"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ])("%s → %s", (input, expected) => {
    expect(parseIPv6(input)?.address).toBe(expected);
  });

  it("formats like the URL parser", () => {
    for (const ip of ["::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "1::", "1:0:0:1::1"]) {
      const parsed = parseIPv6(ip);
      expect(parsed && formatIPv6(parsed.bytes)).toBe(new URL(`http://[${ip}]/`).hostname.slice(1, -1));
    }
  });

  it.each(["1:2:3:4:5:6:7:8:9", "::g", "1::2::3", "::1.2.3.256"])("rejects %s", (input) => {
    expect(parseIPv6(input)).toBeUndefined();
  });
});

describe("address classification", () => {
  const cls = (ip: string) => {
    const parsed = parseIp(ip);
    if (!parsed) throw new Error(`unparsable ${ip}`);
    return classifyAddress(parsed).category;
  };

  it.each([
    "0.0.0.0",
    "0.1.2.3",
    "169.254.169.254",
    "169.254.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "100.100.100.200",
    "::",
    "fe80::1",
    "febf::1",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::",
    "::ffff:0:a9fe:a9fe",
    "::ffff:224.0.0.1",
  ])("%s is always denied", (ip) => expect(cls(ip)).toBe("denied"));

  it.each([
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "100.64.0.1",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
    "2002:c0a8:101::1",
  ])("%s is private", (ip) => expect(cls(ip)).toBe("private"));

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "192.169.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a00:1450::1",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("%s is public", (ip) => expect(cls(ip)).toBe("public"));

  it("extracts embedded IPv4 addresses", () => {
    const ip = parseIp("::ffff:10.1.2.3");
    expect(ip && embeddedIPv4(ip).map((e) => e.address)).toContain("10.1.2.3");
    const teredo = parseIp("2001:0:4136:e378:8000:63bf:3fff:fdd2"); // client 192.0.2.45
    expect(teredo && embeddedIPv4(teredo).map((e) => e.address)).toContain("192.0.2.45");
  });

  it("parses CIDRs", () => {
    expect(parseCidr("10.0.0.0/8")?.prefix).toBe(8);
    expect(parseCidr("fd00::/8")?.family).toBe(6);
    expect(parseCidr("1.2.3.4")?.prefix).toBe(32);
    expect(parseCidr("1.2.3.4/33")).toBeUndefined();
    expect(parseCidr("example.com")).toBeUndefined();
  });
});

describe("host normalisation", () => {
  it("turns every IPv4 spelling into one address and names into lower-case ASCII", () => {
    expect(normaliseHost("0x7f.1")).toMatchObject({ kind: "ip", name: "127.0.0.1" });
    expect(normaliseHost("１２７.０.０.１")).toMatchObject({ kind: "ip", name: "127.0.0.1" });
    expect(normaliseHost("[::ffff:127.0.0.1]")).toMatchObject({ kind: "ip", name: "::ffff:7f00:1" });
    expect(normaliseHost("Mail.Example.ORG.")).toMatchObject({ kind: "name", name: "mail.example.org" });
    expect(normaliseHost("bücher.de")).toMatchObject({ kind: "name", name: "xn--bcher-kva.de" });
  });

  it.each(["127.0.0.1 evil.com", "a@b", "1.2.3.256", "foo.0x7f", "host/path", "host\\x", "host?x", "host%2e", ":::", "exa mple.org"])(
    "rejects %s",
    (host) => {
      expect(() => normaliseHost(host)).toThrow(/invalid host/);
    },
  );
});
