import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { nodeRequest } from "./guard-helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());
const run = async (condition: string, message = "") =>
  (await t.query(nodeRequest("jinja_condition", ["condition", "message"], { condition, message }, roaming("event-publish-tlp-red")))).body;

describe("jinja_condition", () => {
  it("declares both parameters jinja_supported and is blocking", async () => {
    const d = ((await (await fetch(`${t.url}/modules`)).json()) as any[]).find((m) => m.name === "jinja_condition");
    expect(d.meta.config.blocking).toBe(true);
    expect(d.meta.config.params.condition.jinja_supported).toBe(true);
    expect(d.meta.config.params.message.jinja_supported).toBe(true);
  });

  it.each(["True", "true", "1", "yes", " YES \n"])("blocks on %j with the message", async (c) => {
    expect(await run(c, "Event 1201 is tlp:red")).toEqual({ error: "jinja_condition: Event 1201 is tlp:red" });
  });

  it("a default message when none is set", async () => {
    expect((await run("True")).error).toBe("jinja_condition: blocked: the condition is true");
  });

  it.each(["False", "false", "0", "no"])("passes on %j", async (c) => {
    expect(await run(c, "never shown")).toEqual({ data: true });
  });

  it("an empty rendering is an error, never a silent pass", async () => {
    expect((await run("")).error).toMatch(/^jinja_condition: the condition rendered empty/);
  });

  it("an unrecognised rendering is an error that says what it got", async () => {
    expect((await run("[{'name': 'tlp:red'}]")).error).toBe(
      `jinja_condition: the condition rendered "[{'name': 'tlp:red'}]", which is neither true (True, true, 1, yes) nor false (False, false, 0, no)`,
    );
    expect((await run("None")).error).toMatch(/neither true/);
  });
});
