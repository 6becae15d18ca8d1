// Request bodies for the reliability tests: a testaction query around an event with as many
// attributes as it takes to reach the size asked for (about 200 bytes per attribute, like the
// roaming data MISP sends).

export function eventQuery(bytes: number): Buffer {
  const attribute = (i: number) => ({
    id: String(100000 + i),
    type: "ip-dst",
    category: "Network activity",
    to_ids: true,
    value: `198.51.${(i >> 8) & 255}.${i & 255}`,
    comment: "seen in the reliability suite",
    Tag: [{ name: "tlp:amber" }],
  });
  const per = JSON.stringify(attribute(0)).length + 1;
  const n = Math.max(1, Math.floor(bytes / per));
  const body = JSON.stringify({
    module: "testaction",
    data: { Event: { id: "1", info: "large event", Attribute: Array.from({ length: n }, (_, i) => attribute(i)) } },
    params: { foo: "" },
  });
  return Buffer.from(body);
}
