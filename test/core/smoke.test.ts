import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, roaming, type TestApp } from "../helpers/app.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe("testaction through POST /query", () => {
  it("answers {data: true} for a MISP-shaped request", async () => {
    const r = await t.query({
      module: "testaction",
      data: roaming("event-publish-tlp-red"),
      params: { foo: "", data_extraction_path: "" },
      matchingData: { "Data Extraction Path": [] },
    });
    expect(r).toEqual({ status: 200, body: { data: true } });
  });
});
