// `misp-modules-ts extract --path PATH [--data FILE|-]`: what MISP's Hash::extract returns for a
// path on some JSON data (e.g. a roaming-data fixture), printed as MISP would encode it.
import { readFile } from "node:fs/promises";
import { resolveExamplePath } from "./example-path.js";
import type { Command } from "commander";
import { extractStrict, isValidPath, parsePhpJson, phpJsonEncode, PhpTypeError } from "../lib/hashpath/index.js";

export interface ExtractCommandOptions {
  path: string;
  /** JSON file, or "-" (default) for stdin. */
  data?: string;
  compact?: boolean;
}

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads and decodes a JSON file ("-" = stdin) the way MISP's json_decode(..., true) sees it. */
export async function readJsonInput(path: string, stdin: NodeJS.ReadableStream): Promise<unknown> {
  let text: string;
  try {
    text = path === "-" ? await readStream(stdin) : await readFile(resolveExamplePath(path), "utf8");
  } catch (e) {
    throw new Error(`cannot read data ${path === "-" ? "from stdin" : `file ${path}`}: ${(e as Error).message}`);
  }
  try {
    return parsePhpJson(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new Error(`data ${path === "-" ? "from stdin" : `file ${path}`} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs the command; returns the exit code (0 ok, 1 invalid path/input or a path PHP would fail on). */
export async function runExtractCommand(options: ExtractCommandOptions, io: CommandIo): Promise<number> {
  const validity = isValidPath(options.path);
  if (!validity.ok) {
    io.stderr.write(`misp-modules-ts extract: ${validity.error}\n`);
    return 1;
  }
  try {
    const data = await readJsonInput(options.data ?? "-", io.stdin);
    const warnings: string[] = [];
    const result = extractStrict(data, options.path, (w) => warnings.push(w));
    for (const w of warnings) io.stderr.write(`warning (PHP would warn too): ${w}\n`);
    io.stdout.write(phpJsonEncode(result, { pretty: options.compact ? false : "  " }) + "\n");
    return 0;
  } catch (e) {
    const message = e instanceof PhpTypeError ? `PHP would throw a TypeError here, aborting MISP's workflow run: ${e.message}` : (e as Error).message;
    io.stderr.write(`misp-modules-ts extract: ${message}\n`);
    return 1;
  }
}

export function registerExtractCommand(program: Command): void {
  program
    .command("extract")
    .description("Apply a CakePHP hash path (as MISP does) to JSON data and print the result")
    .requiredOption("--path <path>", 'hash path, e.g. "Event._AttributeFlattened.{n}[type=/^ip-/].value"')
    .option("--data <file>", 'JSON data file ("-" or omitted: stdin)', "-")
    .option("--compact", "print the result on one line")
    .addHelpText("after", "\nExample:\n  misp-modules-ts extract --path 'Event.Tag.{n}.name' --data examples/roaming/event-publish-tlp-red.json")
    .action(async (opts: { path: string; data: string; compact?: boolean }) => {
      process.exitCode = await runExtractCommand(opts, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    });
}
