import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigInput } from "../../src/core/config.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

export interface ConsoleTestApp extends TestApp {
  dataDir: string;
  api<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; text: string }>;
  settle(): Promise<void>;
}

export async function startConsoleApp(
  consoleCfg: Record<string, unknown> = {},
  config: ConfigInput = {},
  env: NodeJS.ProcessEnv = {},
): Promise<ConsoleTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "mmts-console-"));
  const t = await startTestApp({ ...config, console: { dataDir, ...consoleCfg } } as ConfigInput, { env });
  const close = t.close;
  return {
    ...t,
    dataDir,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async api(path, body, headers = {}) {
      const res = await fetch(
        `${t.url}/console/api${path}`,
        body === undefined
          ? { headers }
          : { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) },
      );
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* left as text */
      }
      return { status: res.status, body: parsed as never, text };
    },
    async settle() {
      // Posts are processed after their 200; let the receiver drain, then flush the store.
      await new Promise((r) => setTimeout(r, 30));
      await fetch(`${t.url}/console/api/runs?limit=1`);
    },
  };
}

/** A post exactly as MISP's CakePHP HttpSocket sends it (the contract in docs/console.md). */
export function mispPost(base: string, path: string, body: unknown): Promise<{ status: number; text: string; ms: number }> {
  const url = new URL(path, base);
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: "POST",
        agent: false,
        headers: {
          Host: url.host,
          Connection: "close",
          "User-Agent": "CakePHP",
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const EMPTY_SOURCE = { node_id: "", module_id: "", filters: "", parameters: "" };

/** MISP's debug sequence for an event-publish run: init, one exec per node, end. */
export async function playPublish(
  base: string,
  prefix: string,
  event: unknown,
  nodes: Array<{
    nodeId: number;
    moduleId: string;
    result: string;
    params?: Record<string, unknown>;
    errors?: string[];
    message?: string;
    before?: () => Promise<void>;
  }>,
  outcome: string,
): Promise<void> {
  const ts = "2024-10-21T10:59:21+02:00";
  await mispPost(base, `${prefix}/event-publish/init?type=blocking`, {
    source: EMPTY_SOURCE,
    timestamp: ts,
    data: { original: event, normalized: event },
  });
  for (const n of nodes) {
    await n.before?.();
    const q = new URLSearchParams({ result: n.result, ...(n.message ? { message: n.message } : {}) });
    await mispPost(base, `${prefix}/event-publish/exec/${n.moduleId}?${q}`, {
      source: {
        node_id: n.nodeId,
        module_id: n.moduleId,
        filters: { selector: "", value: "", operator: "", path: "" },
        parameters: n.params ?? [],
      },
      timestamp: ts,
      data: event,
      ...(n.errors ? { errors: n.errors } : {}),
    });
  }
  await mispPost(base, `${prefix}/event-publish/end?outcome=${outcome}`, {
    source: EMPTY_SOURCE,
    timestamp: ts,
    data: {
      blocking_nodes: [],
      executed_nodes: nodes.map((n) => ({ id: n.nodeId, data: { id: n.moduleId, indexed_params: n.params ?? [] } })),
      blocked_paths: [],
    },
  });
}
