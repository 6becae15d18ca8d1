import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { runQueryCommand } from "../../src/commands/query.js";
import { sink } from "./sink.js";

export { nodeRequest } from "./misp-request.js";

// The body MISP sends for an action node, and a run of the `query` CLI against a test server.

/** Path of a shipped roaming fixture. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/roaming/${name}.json`, import.meta.url));
}

/** `misp-modules-ts query <module> --data <fixture> --url <server> -p NAME=VALUE...` (templates rendered by the server). */
export async function cliQuery(serverUrl: string, module: string, fixture: string, params: Record<string, string>) {
  const stdin = new PassThrough();
  stdin.end("");
  const out = sink();
  const err = sink();
  const code = await runQueryCommand(
    { module, data: fixturePath(fixture), url: serverUrl, params: Object.entries(params).map(([k, v]) => `${k}=${v}`), compact: true },
    { stdin, stdout: out.stream, stderr: err.stream },
  );
  return { code, stdout: out.text(), stderr: err.text(), reply: safeJson(out.text()) };
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
