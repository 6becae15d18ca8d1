import type { Config } from "../../config.js";
import type { OutboxBackend } from "./types.js";

export async function openRedisOutbox(_config: Config, _log: unknown): Promise<OutboxBackend> {
  throw new Error("the redis outbox backend is not available in this build");
}
