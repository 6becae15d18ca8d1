import { createHash } from "node:crypto";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";
import type { DigestReply, DigestTask } from "./digest.js";
import { maskDeep, scrub, secretStrings } from "./masking.js";

// The journal's digest thread (docs/console.md, "Large payloads"): parses, masks, serialises,
// hashes and cuts a large request or reply so that none of that work, proportional to the
// payload's size, runs on the server's event loop.

// The thread writes the payload row itself through a connection of its own (WAL lets the server's
// connection read meanwhile): a 2 MiB insert is never on the event loop. payloads is
// content-addressed (INSERT OR IGNORE), so the two writers never contend over ids.
const dbPath = (workerData as { dbPath?: string }).dbPath;
let insert: BetterSqlite3.Statement | undefined;
function payloadInsert(): BetterSqlite3.Statement | undefined {
  if (insert || !dbPath) return insert;
  const Ctor = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  const db = new Ctor(dbPath);
  db.pragma("synchronous = NORMAL");
  // Waiting for the server's short batches is fine here: this thread has nothing else to do.
  db.pragma("busy_timeout = 10000");
  insert = db.prepare("INSERT OR IGNORE INTO payloads (hash, size, truncated, body, created) VALUES (?, ?, ?, ?, ?)");
  return insert;
}

function store(id: number, text: string, cap: number, now: number): DigestReply {
  const hash = createHash("sha256").update(text).digest("hex");
  const cut = cutUtf8(text, cap);
  const stmt = payloadInsert();
  if (!stmt) return { id, hash, ...cut };
  stmt.run(hash, cut.size, cut.truncated ? 1 : 0, cut.body, now);
  return { id, hash, size: cut.size, truncated: cut.truncated, stored: true };
}

function cutUtf8(text: string, cap: number): { body: string; size: number; truncated: boolean } {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= cap) return { body: text, size: bytes.length, truncated: false };
  // toString drops a UTF-8 sequence cut in half as U+FFFD at the end: harmless in a preview.
  return { body: bytes.subarray(0, cap).toString("utf8"), size: bytes.length, truncated: true };
}

function digest(task: DigestTask): DigestReply {
  const text = task.text ?? Buffer.from(task.bytes!.buffer, task.bytes!.byteOffset, task.bytes!.byteLength).toString("utf8");
  if (task.kind === "reply") {
    return store(task.id, scrub(text, task.secrets), task.cap, task.now);
  }
  const originals: Record<string, unknown> = {};
  const masked = maskDeep(JSON.parse(text), new Set(task.declared), "", originals);
  const secrets = secretStrings(originals);
  const full = scrub(JSON.stringify(masked), secrets);
  return { ...store(task.id, full, task.cap, task.now), originals, secrets };
}

// Background work: the server's own thread goes first when both want a core.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
} catch {
  // Not Linux or not permitted.
}

parentPort!.on("message", (task: DigestTask) => {
  try {
    parentPort!.postMessage(digest(task));
  } catch (e) {
    parentPort!.postMessage({ id: task.id, error: (e as Error).message } satisfies DigestReply);
  }
});
