import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { roaming } from "../helpers/app.js";
import { playPublish, startConsoleApp, type ConsoleTestApp } from "./helpers.js";

// The console in a real browser: Debian's chromium driven by playwright-core (no browser
// download). Where chromium is missing the file skips with a notice, unless REQUIRE_BROWSER=1.

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
const ARTIFACTS = join(process.cwd(), "test-artifacts");

if (!haveBrowser) {
  if (process.env.REQUIRE_BROWSER === "1") throw new Error(`REQUIRE_BROWSER=1 but no browser at ${CHROMIUM} (apt-get install -y chromium)`);
  process.stderr.write(`notice: ${CHROMIUM} not found; console browser tests skipped (set REQUIRE_BROWSER=1 to fail instead)\n`);
}

describe.skipIf(!haveBrowser)("console in a real browser", () => {
  let t: ConsoleTestApp;
  let sink: Server;
  let sinkHost = "";
  let browser: BrowserContext;
  let page: Page;
  let profile = "";

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(req.url?.includes("broken") ? 503 : req.url?.includes("denied") ? 403 : 200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    sinkHost = `127.0.0.1:${(sink.address() as AddressInfo).port}`;
    t = await startConsoleApp();
    profile = mkdtempSync(join(tmpdir(), "mmts-chromium-"));
    const { chromium } = await import("playwright-core");
    // A fresh --user-data-dir: playwright passes the profile folder given here as that flag.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((r) => sink?.close(r));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("shows a publish run with three nodes (one failing), filters queries, replays with an edited parameter, and renders a template error with line and column", async () => {
    const event = roaming("event-publish-tlp-red");
    const hook = (path: string) => ({
      module: "http_webhook",
      data: event,
      params: {
        url: `http://${sinkHost}/${path}`,
        request_method: "post",
        content_type: "json",
        payload: "",
        headers: "Authorization: Bearer browser-secret-1234",
        data_extraction_path: "",
        self_signed: "deny",
        expected_status: "2xx",
      },
    });
    // MISP's exact debug sequence; our /query calls happen inside the node executions.
    await playPublish(
      t.url,
      "/workflow-debug",
      event,
      [
        {
          nodeId: 2,
          moduleId: "testaction",
          result: "success",
          before: async () => void (await t.query({ module: "testaction", data: event, params: { foo: "x" } })),
        },
        {
          nodeId: 3,
          moduleId: "http_webhook",
          result: "partial-success",
          errors: ["http_webhook: HTTP 503 from the endpoint"],
          params: { url: `http://${sinkHost}/broken`, headers: "Authorization: Bearer browser-secret-1234" },
          before: async () => void (await t.query(hook("broken"))),
        },
        { nodeId: 4, moduleId: "stop-execution", result: "success" },
      ],
      "failure",
    );
    await t.settle();

    // Home page: the value to paste into MISP.
    await page.goto(`${t.url}/console/`);
    await expect.poll(() => page.textContent("#debug-url")).toBe(`${t.url}/workflow-debug`);

    // Runs: the run, then its nodes in order.
    await page.goto(`${t.url}/console/#/runs`);
    await page
      .getByRole("link", { name: /^#\d+$/ })
      .first()
      .click();
    await page.waitForSelector("article.node");
    const nodes = await page.locator("article.node h3").allTextContents();
    expect(nodes.length).toBe(5);
    expect(nodes[1]).toMatch(/testaction.*node 2.*success/);
    expect(nodes[2]).toMatch(/http_webhook.*node 3.*partial-success/);
    expect(nodes[3]).toMatch(/stop-execution.*node 4/);
    expect(nodes[4]).toMatch(/end.*failure/);
    expect(await page.locator("main").textContent()).toContain("HTTP 503 from the endpoint");
    expect(await page.locator("main").textContent()).toMatch(/Our \/query: #\d+/);
    expect(await page.content()).not.toContain("browser-secret-1234");
    await page.screenshot({ path: join(ARTIFACTS, "console-run.png"), fullPage: false });

    // Queries: filter by module and outcome with the keyboard.
    await page.goto(`${t.url}/console/#/queries`);
    await page.getByLabel("Module", { exact: true }).fill("http_webhook");
    await page.getByLabel("Outcome", { exact: true }).selectOption("error");
    await page.getByLabel("Module", { exact: true }).press("Enter");
    await page.waitForFunction("location.hash.includes('module=http_webhook')");
    // The unfiltered list may still be on screen for a moment (a loaded machine): wait for the filtered one.
    const listed = page.locator("table[aria-label='Recorded queries'] tbody tr");
    await expect.poll(() => listed.count(), { timeout: 10_000 }).toBe(1);
    const rows = await listed.allTextContents();
    expect(rows[0]).toMatch(/http_webhook.*error/);
    await page.screenshot({ path: join(ARTIFACTS, "console-queries.png") });

    // Query detail: replay with the URL edited to a working endpoint; old and new side by side.
    await page.locator("table[aria-label='Recorded queries'] tbody tr a").first().click();
    await page.getByLabel("Parameter url").fill(`http://${sinkHost}/fixed`);
    await page.getByRole("button", { name: "Replay" }).click();
    await page.getByText(/Replay reply \(HTTP 200\)/).waitFor();
    const replayText = await page.locator(".cols").textContent();
    expect(replayText).toMatch(/Recorded reply.*503/s);
    expect(replayText).toMatch(/"data".*true/s);
    expect(await page.content()).not.toContain("browser-secret-1234");
    await page.screenshot({ path: join(ARTIFACTS, "console-replay.png") });

    // Template playground: a syntax error is shown with its line and column as one types.
    await page.goto(`${t.url}/console/#/template`);
    await page.getByLabel("Jinja template").fill("Event: {{ Event.info }}\n{% for a in Event.Attribute %}{{ a.value }\n{% endfor %}");
    await page.waitForSelector("#render-error .error-box");
    expect(await page.textContent("#render-error")).toMatch(/Line 2, column \d+/);
    await page.getByLabel("Jinja template").fill("{{ 'hello' | upper }}");
    await expect.poll(() => page.textContent("#render-output")).toBe("HELLO");
    await page.screenshot({ path: join(ARTIFACTS, "console-template.png") });

    // Dark theme toggles from the keyboard.
    await page.focus("#theme");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.documentElement.className")).toMatch(/dark|light/);
  }, 120_000);

  it("shows a queued delivery that became a dead letter, with its attempts, and queues it again", async () => {
    const event = roaming("event-publish-tlp-red");
    const reply = await t.query({
      module: "http_webhook",
      data: event,
      params: {
        url: `http://${sinkHost}/denied`,
        request_method: "post",
        content_type: "json",
        payload: "",
        headers: "Authorization: Bearer browser-secret-5678",
        data_extraction_path: "",
        self_signed: "deny",
        expected_status: "2xx",
        delivery: "queued",
      },
    });
    expect(reply.body).toEqual({ data: true });
    // A 403 is permanent: the delivery goes straight to the dead letters (docs/delivery.md).
    await expect
      .poll(async () => ((await t.api("/outbox?state=dead")).body as { stats: { dead: number } }).stats.dead, { timeout: 20_000 })
      .toBe(1);
    await page.goto(`${t.url}/console/#/outbox?state=dead`);
    const row = page.locator("tbody tr.row").first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/http_webhook.*dead/s);
    await row.locator("summary").click();
    expect(await row.locator("ol").textContent()).toMatch(/HTTP 403/);
    expect(await page.content()).not.toContain("browser-secret-5678");
    await page.screenshot({ path: join(ARTIFACTS, "console-outbox.png") });
    await row.getByRole("button", { name: "Retry" }).click();
    await page.getByText(/queued again \(1\)/).waitFor();
  }, 60_000);
});
