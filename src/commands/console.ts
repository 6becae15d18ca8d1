// `misp-modules-ts runs` and `misp-modules-ts replay QUERY_ID`: the console's journal from a
// terminal. Both talk to the running server's console API (the server keeps masked secrets in
// memory for replays, so a replay must go through it).
import { InvalidArgumentError, type Command } from "commander";
import { ENV } from "../core/config.js";
import { parseParamAssignment } from "../core/misp-request/index.js";
import { exitAfterOutput } from "./exit.js";

export interface ConsoleIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

interface Conn {
  url: string;
  token?: string;
}

async function call(conn: Conn, path: string, body?: unknown): Promise<unknown> {
  const base = conn.url.replace(/\/+$/, "");
  const headers: Record<string, string> = {};
  if (conn.token) headers.authorization = `Bearer ${conn.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${base}/console/api${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`cannot reach the server at ${base}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${base} answered HTTP ${res.status} with something that is not the console API (is the console enabled?)`);
  }
  if (!res.ok) throw new Error((data as { error?: string }).error ?? `HTTP ${res.status}`);
  return data;
}

interface RunsOptions {
  module?: string;
  outcome?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** Lists recent queries (the journal) and debug runs, newest first. Returns the exit code. */
export async function runsCommand(conn: Conn, o: RunsOptions, io: ConsoleIo): Promise<number> {
  const qs = new URLSearchParams();
  if (o.module) qs.set("module", o.module);
  if (o.outcome) qs.set("outcome", o.outcome);
  if (o.since) qs.set("since", o.since);
  qs.set("limit", o.limit ?? "50");
  const queries = (await call(conn, `/queries?${qs}`)) as { items: Array<Record<string, unknown>> };
  const rq = new URLSearchParams();
  if (o.since) rq.set("since", o.since);
  rq.set("limit", o.limit ?? "20");
  const runs = o.module || o.outcome ? { items: [] } : ((await call(conn, `/runs?${rq}`)) as { items: Array<Record<string, unknown>> });
  if (o.json) {
    io.stdout.write(JSON.stringify({ runs: runs.items, queries: queries.items }, null, 2) + "\n");
    return 0;
  }
  if (runs.items.length) {
    io.stdout.write("RUNS\n");
    for (const r of runs.items)
      io.stdout.write(
        `#${r.id}\t${r.time}\t${r.trigger}\t${r.kind === "child" ? "child" : r.blocking ? "blocking" : "non-blocking"}\t${r.nodes} nodes\t${r.errors} errors\t${r.outcome ?? "running"}\n`,
      );
    io.stdout.write("\nQUERIES\n");
  }
  if (queries.items.length === 0) io.stdout.write("no recorded query matches\n");
  for (const q of queries.items) {
    const outbound = (q.outbound as unknown[]).length;
    io.stdout.write(
      `#${q.id}\t${q.time}\t${q.module}\t${q.outcome}\t${Math.round(Number(q.durationMs))} ms${outbound ? `\t${outbound} outbound` : ""}${q.runId ? `\trun #${q.runId}` : ""}${q.error ? `\t${String(q.error).slice(0, 160)}` : ""}\n`,
    );
  }
  return 0;
}

/** Replays a recorded query, with edited parameters; prints old and new replies. */
export async function replayCommand(conn: Conn, id: string, params: string[], io: ConsoleIo): Promise<number> {
  if (!/^\d+$/.test(id)) throw new Error(`QUERY_ID must be a number, got ${JSON.stringify(id)}`);
  const edits: Record<string, string> = {};
  for (const p of params) {
    const { name, value } = parseParamAssignment(p);
    edits[name] = value;
  }
  const r = (await call(conn, `/queries/${id}/replay`, { params: edits })) as { status: number; old: unknown; new: unknown };
  io.stdout.write(JSON.stringify({ old: r.old, new: r.new, status: r.status }, null, 2) + "\n");
  const err = r.new && typeof r.new === "object" ? (r.new as { error?: unknown }).error : undefined;
  return r.status === 200 && !err ? 0 : 1;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function since(v: string): string {
  if (!/^\d+(ms|s|m|h|d)$/.test(v) && Number.isNaN(Date.parse(v)))
    throw new InvalidArgumentError("expected a duration such as 15m, 1h, 7d, or a date");
  return v;
}

export function registerConsoleCommands(program: Command): void {
  const conn = (o: { url: string; token?: string }): Conn => ({ url: o.url, token: o.token ?? process.env[ENV.consoleToken] });
  const io: ConsoleIo = { stdout: process.stdout, stderr: process.stderr };
  const finish = (p: Promise<number>) =>
    p.then(
      (code) => exitAfterOutput(code),
      (e: Error) => {
        process.stderr.write(`misp-modules-ts: ${e.message}\n`);
        process.exit(1);
      },
    );
  program
    .command("runs")
    .description("List recent workflow runs and recorded /query calls from a running server's console")
    .option("--module <name>", "only queries of this module")
    .option("--outcome <outcome>", "only this outcome (ok, error, timeout, crash, unknown_module)")
    .option("--since <duration>", "only since then: 15m, 1h, 7d or a date", since)
    .option("--limit <n>", "how many (default 50)")
    .option("--json", "print JSON")
    .option("--url <url>", "the server", "http://127.0.0.1:6666")
    .option("--token <token>", `console token [${ENV.consoleToken}]`)
    .action((o: RunsOptions & { url: string; token?: string }) => finish(runsCommand(conn(o), o, io)));
  program
    .command("replay")
    .description("Replay a recorded /query against the current module (masked secrets are reused by the server)")
    .argument("<query_id>", "id shown by `runs` or the console")
    .option("--param <name=value>", "replace a parameter (name, id or label); repeatable", collect, [])
    .option("--url <url>", "the server", "http://127.0.0.1:6666")
    .option("--token <token>", `console token [${ENV.consoleToken}]`)
    .action((id: string, o: { param: string[]; url: string; token?: string }) => finish(replayCommand(conn(o), id, o.param, io)));
}
