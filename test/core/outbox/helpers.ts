import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigInput } from "../../../src/core/config.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";

// An app whose outbox retries fast (tests wait milliseconds, not the production minutes).

export const FAST_OUTBOX = { retryScheduleMs: [100], pollMs: 50, maxAttempts: 6, attemptTimeoutMs: 3000 };

export interface OutboxApp extends TestApp {
  dataDir: string;
}

export async function startOutboxApp(config: ConfigInput = {}, env: NodeJS.ProcessEnv = {}): Promise<OutboxApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "outbox-test-"));
  const app = await startTestApp(
    { ...config, console: { enabled: false, dataDir, ...(config.console ?? {}) }, outbox: { ...FAST_OUTBOX, ...(config.outbox ?? {}) } },
    { env },
  );
  return {
    ...app,
    dataDir,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A MISP node request for http_webhook (params keyed by id, as MISP sends them). */
export function webhookQuery(
  url: string,
  params: Record<string, string> = {},
  data: unknown = { Event: { uuid: "5e1b7c3a-0000-4000-8000-000000000001", info: "outbox test" } },
) {
  return { module: "http_webhook", data, params: { url, request_method: "post", content_type: "json", ...params } };
}
