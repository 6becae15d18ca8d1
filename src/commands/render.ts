// `misp-modules-ts render --template FILE --data FILE`: render a workflow template offline, exactly
// as the jinja_template_rendering module would (same engine, same sandbox, same limits).
import { readFile } from "node:fs/promises";
import { resolveExamplePath } from "./example-path.js";
import { InvalidArgumentError, type Command } from "commander";
import { TemplatePool, describeRenderFailure } from "../engines/jinja/pool.js";

export interface RenderCommandOptions {
  /** Path of the template file. */
  template: string;
  /** Path of the JSON data file (roaming data), "-" for stdin; no data means an empty context. */
  data?: string;
  /** Wall-clock limit in ms. */
  timeoutMs?: number;
}

export interface RenderCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class InputError extends Error {}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

async function readInput(path: string, what: string, stdin: NodeJS.ReadableStream): Promise<string> {
  try {
    return path === "-" ? await readStream(stdin) : await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The data file's text, checked to be JSON here so that a bad file gets a clear message. */
async function readDataText(path: string | undefined, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path === undefined) return "{}";
  const text = await readInput(resolveExamplePath(path), "data file", stdin);
  try {
    JSON.parse(text);
  } catch (e) {
    throw new InputError(`data file ${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return text;
}

/** Renders and writes the output (exactly, no newline added); returns the process exit code. */
export async function runRenderCommand(options: RenderCommandOptions, io: RenderCommandIo): Promise<number> {
  // One worker is enough for one render; it still enforces the wall-clock limit on runaway templates.
  const pool = new TemplatePool({ size: 1, maxQueue: 1, timeoutMs: options.timeoutMs });
  try {
    const template = await readInput(options.template, "template file", io.stdin);
    const dataText = await readDataText(options.data, io.stdin);
    // The same request text MISP sends, so the worker reads the data exactly as the module does
    // (Python's json.loads view: 1.0 stays a float).
    const output = await pool.render(`{"template":${JSON.stringify(template)},"data":${dataText}}`);
    io.stdout.write(output);
    return 0;
  } catch (error) {
    io.stderr.write(`${error instanceof InputError ? error.message : describeRenderFailure(error)}\n`);
    return 1;
  } finally {
    await pool.close();
  }
}

function positiveInteger(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) === 0) throw new InvalidArgumentError(`expected a positive whole number, got "${raw}"`);
  return Number(raw);
}

/** Adds the `render` sub-command to the CLI program. */
export function registerRenderCommand(program: Command): void {
  program
    .command("render")
    .description("Render a Jinja2 template against JSON data (e.g. MISP roaming data) and print the result")
    // Long options only: the program's own short flags (-d for --debug, ...) would take precedence.
    .requiredOption("--template <file>", "template file")
    .option("--data <file>", 'JSON data file used as template context ("-" reads stdin)')
    .option("--timeout-ms <ms>", "wall-clock limit of the render", positiveInteger, 2000)
    .action(async (opts: { template: string; data?: string; timeoutMs: number }) => {
      const code = await runRenderCommand(
        { template: opts.template, data: opts.data, timeoutMs: opts.timeoutMs },
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
      );
      process.exitCode = code;
    });
}
