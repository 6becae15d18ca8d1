// `misp-modules-ts extract --path PATH [--data FILE|-]`: what MISP's Hash::extract returns for a
// path on some JSON data (e.g. a roaming-data fixture), printed as MISP would encode it.
import { readFile } from "node:fs/promises";
import { resolveExamplePath } from "./example-path.js";
import type { Command } from "commander";
import { extractStrict, formatPathWarning, lintPath, parsePhpJson, phpJsonEncode, PhpTypeError } from "../engines/cakephp-hash/index.js";
import { RegexLimitError } from "../engines/regex/index.js";

export interface ExtractCommandOptions {
  path: string;
  /** JSON file, or "-" (default) for stdin. */
  data?: string;
  compact?: boolean;
  /** Warnings (suspicious but legal paths, PHP warnings) make the command fail. */
  strict?: boolean;
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

/**
 * Runs the command; returns the exit code: 0 ok, 1 unreadable input, a path PHP would abort
 * on, a regex past its matching bound, or (with --strict) any warning.
 */
export async function runExtractCommand(options: ExtractCommandOptions, io: CommandIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr.write(`misp-modules-ts extract: ${message}\n`);
    return 1;
  };
  // Every path CakePHP accepts is evaluated; what looks like a mistake is only a warning.
  const lint = lintPath(options.path);
  for (const w of lint) io.stderr.write(`warning: hash path ${JSON.stringify(options.path)}, ${formatPathWarning(w)}\n`);
  if (options.strict && lint.length > 0) return fail(`${lint.length} warning(s) and --strict`);
  try {
    const data = await readJsonInput(options.data ?? "-", io.stdin);
    const warnings: string[] = [];
    const result = extractStrict(data, options.path, (w) => warnings.push(w));
    for (const w of warnings) io.stderr.write(`warning (PHP would warn too): ${w}\n`);
    io.stdout.write(phpJsonEncode(result, { pretty: options.compact ? false : "  " }) + "\n");
    if (options.strict && warnings.length > 0) return fail(`${warnings.length} PHP warning(s) and --strict`);
    return 0;
  } catch (e) {
    if (e instanceof PhpTypeError) return fail(`PHP would throw a TypeError here, aborting MISP's workflow run: ${e.message}`);
    if (e instanceof RegexLimitError) return fail(`hash path ${JSON.stringify(options.path)}: ${e.message}`);
    return fail((e as Error).message);
  }
}

export function registerExtractCommand(program: Command): void {
  program
    .command("extract")
    .description("Apply a CakePHP hash path (as MISP does) to JSON data and print the result")
    .requiredOption("--path <path>", 'hash path, e.g. "Event._AttributeFlattened.{n}[type=/^ip-/].value"')
    .option("--data <file>", 'JSON data file ("-" or omitted: stdin)', "-")
    .option("--compact", "print the result on one line")
    .option("--strict", "exit 1 on warnings (suspicious but legal paths, PHP warnings)")
    .addHelpText(
      "after",
      "\nExample:\n  misp-modules-ts extract --path 'Event.Tag.{n}.name' --data examples/roaming/event-publish-tlp-red.json",
    )
    .action(async (opts: { path: string; data: string; compact?: boolean; strict?: boolean }) => {
      process.exitCode = await runExtractCommand(opts, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    });
}
