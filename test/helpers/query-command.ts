import { PassThrough } from "node:stream";
import { runQueryCommand, type QueryCommandOptions } from "../../src/commands/query.js";
import { sink } from "./sink.js";

/** Runs `misp-modules-ts query` in-process with empty stdin; returns its exit code and output. */
export async function runQuery(options: QueryCommandOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  stdin.end("");
  const out = sink();
  const err = sink();
  const code = await runQueryCommand(options, { stdin, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
