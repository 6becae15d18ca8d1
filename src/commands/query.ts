// `misp-modules-ts query MODULE --data ROAMING.json [--param NAME=VALUE ...] [--filter ...]`:
// builds the exact /query body MISP would send for a workflow node of MODULE (docs/protocol.md#action-request)
// and runs it in-process, or against a running server with --url. Module authors use it
// with the roaming-data fixtures.
import { InvalidArgumentError, type Command } from "commander";
import { createApp, type App } from "../core/app.js";
import { loadConfig } from "../core/config.js";
import { closeTemplatePool } from "../engines/jinja/pool.js";
import { forEachEntry, isPhpArray } from "../engines/cakephp-hash/php-value.js";
import { formatPathWarning, lintPath, phpJsonEncode, PhpTypeError, type NodeFilter } from "../engines/cakephp-hash/index.js";
import { RegexLimitError } from "../engines/regex/index.js";
import {
  buildActionQueryBody,
  findNodeParam,
  jinjaRenderRequest,
  nodeFromDescriptor,
  parseFilterSpec,
  parseParamAssignment,
  renderedTextFromReply,
  type NodeDefinition,
} from "../core/misp-request/index.js";
import { readJsonInput, type CommandIo } from "./extract.js";

export interface QueryCommandOptions {
  module: string;
  /** Roaming data file, "-" for stdin. */
  data: string;
  /** NAME=VALUE assignments (NAME: parameter name, id or label). */
  params?: string[];
  /** selector=...,value=...,operator=...,path=... */
  filter?: string;
  /** Base URL of a running server; in-process when omitted. */
  url?: string;
  printRequest?: boolean;
  compact?: boolean;
  /** Send jinja_supported values unrendered instead of calling jinja_template_rendering first. */
  noJinja?: boolean;
  /** Adds `_env.baseurl` to the Jinja context, as recent MISP versions do. */
  mispBaseUrl?: string;
  /** Adds `timeout` (seconds) to the bodies, as recent MISP versions do. */
  mispTimeout?: number;
  /** In-process only: extra custom module roots and a config file. */
  custom?: string[];
  config?: string;
}

/** Where the request goes: the in-process app or a server over HTTP. */
interface Transport {
  modules(): Promise<unknown>;
  query(bodyText: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

class UsageError extends Error {}

async function inProcessTransport(options: QueryCommandOptions): Promise<Transport> {
  const config = loadConfig({ file: options.config, flags: { watch: false, custom: options.custom, port: 0 } });
  const app: App = await createApp(config, { quiet: true });
  await app.server.ready();
  return {
    async modules() {
      const res = await app.server.inject({ method: "GET", url: "/modules" });
      return JSON.parse(res.body) as unknown;
    },
    async query(bodyText) {
      const res = await app.server.inject({
        method: "POST",
        url: "/query",
        headers: { "content-type": "application/json" },
        payload: bodyText,
      });
      return { status: res.statusCode, text: res.body };
    },
    close: () => app.close(),
  };
}

function httpTransport(rawUrl: string): Transport {
  let base: URL;
  try {
    base = new URL(rawUrl);
  } catch {
    throw new UsageError(`invalid --url ${JSON.stringify(rawUrl)}`);
  }
  const root = base.href.replace(/\/+$/, "").replace(/\/(query|modules)$/, "");
  const request = async (path: string, init?: RequestInit): Promise<{ status: number; text: string }> => {
    try {
      const res = await fetch(`${root}${path}`, init);
      return { status: res.status, text: await res.text() };
    } catch (e) {
      throw new Error(`cannot reach ${root}${path}: ${(e as Error).message}`);
    }
  };
  return {
    async modules() {
      const res = await request("/modules");
      if (res.status !== 200) throw new Error(`GET ${root}/modules answered HTTP ${res.status}`);
      return JSON.parse(res.text) as unknown;
    },
    query: (bodyText) => request("/query", { method: "POST", headers: { "content-type": "application/json" }, body: bodyText }),
    close: async () => {},
  };
}

function descriptorNamed(listing: unknown, name: string): { descriptor: unknown; actionNames: string[] } {
  let descriptor: unknown;
  const actionNames: string[] = [];
  if (isPhpArray(listing)) {
    forEachEntry(listing, (_k, entry) => {
      if (typeof entry !== "object" || entry === null) return;
      const entryName = (entry as Record<string, unknown>).name;
      if (entryName === name) descriptor = entry;
      const types = ((entry as Record<string, unknown>).meta as Record<string, unknown> | undefined)?.["module-type"];
      if (Array.isArray(types) && types.includes("action") && typeof entryName === "string") actionNames.push(entryName);
    });
  }
  return { descriptor, actionNames };
}

function paramValues(node: NodeDefinition, assignments: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const assignment of assignments) {
    const { name, value } = parseParamAssignment(assignment);
    const param = findNodeParam(node, name);
    if (!param) {
      const known = node.params.map((p) => `"${p.name}" (id ${p.id})`).join(", ") || "none";
      throw new UsageError(`module ${node.moduleName} has no parameter "${name}"; its parameters: ${known}`);
    }
    values[param.id] = value;
  }
  return values;
}

function hasError(reply: unknown): string | null {
  if (typeof reply !== "object" || reply === null || Array.isArray(reply)) return null;
  const error = (reply as Record<string, unknown>).error;
  if (error === undefined || error === null || error === "" || error === false || error === 0 || error === "0") return null;
  return typeof error === "string" ? error : JSON.stringify(error);
}

/** Runs the command; returns the exit code (0: the node would succeed, 1: error reply or failure). */
export async function runQueryCommand(options: QueryCommandOptions, io: CommandIo): Promise<number> {
  let transport: Transport | undefined;
  const fail = (message: string): number => {
    io.stderr.write(`misp-modules-ts query: ${message}\n`);
    return 1;
  };
  try {
    const filter: NodeFilter | undefined = options.filter === undefined ? undefined : parseFilterSpec(options.filter);
    const data = await readJsonInput(options.data, io.stdin);
    transport = options.url ? httpTransport(options.url) : await inProcessTransport(options);

    const { descriptor, actionNames } = descriptorNamed(await transport.modules(), options.module);
    if (descriptor === undefined) {
      return fail(`module "${options.module}" is not listed by the server; action modules: ${actionNames.join(", ") || "none"}`);
    }
    const node = nodeFromDescriptor(descriptor);
    if (!node.isAction)
      return fail(`module "${options.module}" is not an action module (MISP only makes workflow nodes of action modules)`);
    if (filter && !node.supportFilters)
      io.stderr.write(`note: ${node.moduleName} does not declare support_filters; MISP sends no filteredItems, so --filter is ignored\n`);

    const values = paramValues(node, options.params ?? []);
    // The same lint as `extract`: MISP evaluates these paths whatever they look like.
    const lint = (what: string, path: string) => {
      for (const w of lintPath(path)) io.stderr.write(`warning: ${what} hash path ${JSON.stringify(path)}, ${formatPathWarning(w)}\n`);
    };
    for (const param of node.params) if (param.isHashPath && values[param.id]) lint(`parameter "${param.name}"`, values[param.id]!);
    if (filter && node.supportFilters) {
      lint("filter selector", filter.selector);
      lint("filter path", filter.path);
    }

    const active = transport;
    const renderJinja = options.noJinja
      ? undefined
      : async (template: string, roaming: unknown): Promise<string> => {
          const request = jinjaRenderRequest(template, roaming);
          if (options.mispTimeout !== undefined) request.timeout = Math.trunc(options.mispTimeout);
          const res = await active.query(phpJsonEncode(request));
          let reply: unknown = null;
          try {
            reply = JSON.parse(res.text);
          } catch {
            // handled below as an unreadable reply
          }
          const text = res.status === 200 ? renderedTextFromReply(reply) : null;
          // MISP uses the empty text of a failed render as the value without a word; say why here.
          const failure = hasError(reply);
          if (text !== null && failure !== null)
            io.stderr.write(`warning: jinja_template_rendering failed (MISP would send the empty text on): ${failure}\n`);
          if (text === null)
            throw new Error(
              `jinja_template_rendering gave no results[0].values[0] (HTTP ${res.status}); MISP would abort the workflow run with a TypeError`,
            );
          return text;
        };

    const body = await buildActionQueryBody({
      node,
      data,
      values,
      filter,
      renderJinja,
      mispBaseUrl: options.mispBaseUrl,
      timeoutSeconds: options.mispTimeout,
      onWarning: (w) => io.stderr.write(`warning (PHP would warn too): ${w}\n`),
    });
    const bodyText = phpJsonEncode(body);
    if (options.printRequest) {
      io.stdout.write((options.compact ? bodyText : phpJsonEncode(body, { pretty: "  " })) + "\n");
      return 0;
    }

    const res = await transport.query(bodyText);
    let reply: unknown;
    try {
      reply = JSON.parse(res.text);
    } catch {
      io.stdout.write(res.text + "\n");
      return fail(`reply is not JSON (HTTP ${res.status}); MISP would log it and treat the node as successful`);
    }
    io.stdout.write((options.compact ? JSON.stringify(reply) : JSON.stringify(reply, null, 2)) + "\n");
    if (res.status !== 200) return fail(`HTTP ${res.status}; MISP would log it and treat the node as successful`);
    const error = hasError(reply);
    if (error !== null) return fail(`the node fails in MISP with: ${error}`);
    return 0;
  } catch (e) {
    if (e instanceof PhpTypeError) return fail(`MISP's PHP would throw a TypeError and abort the workflow run: ${e.message}`);
    if (e instanceof RegexLimitError) return fail(e.message);
    return fail((e as Error).message);
  } finally {
    await transport?.close();
  }
}

function seconds(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new InvalidArgumentError(`expected whole seconds, got "${raw}"`);
  return Number(raw);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerQueryCommand(program: Command): void {
  program
    .command("query")
    .description("Send MODULE the /query request MISP would send for its workflow node, and print the reply")
    .argument("<module>", "action module name")
    .requiredOption("--data <file>", 'roaming data JSON (e.g. examples/roaming/*.json, shipped with the package; "-" for stdin)')
    .option("--param <name=value>", "value stored in the node for a parameter (name, id or label); repeatable", collect, [])
    .option("--filter <spec>", "the node's saved filter: selector=...,value=...,operator=...,path=...")
    .option("--url <url>", "send to a running server (e.g. http://127.0.0.1:6666) instead of in-process")
    .option("--print-request", "print the request body only, do not run the module")
    .option("--no-jinja", "send jinja_supported values unrendered (MISP renders them via jinja_template_rendering first)")
    .option("--misp-baseurl <url>", "add _env.baseurl to the Jinja context, as recent MISP versions do")
    .option(
      "--misp-timeout <seconds>",
      "add timeout to the bodies, as recent MISP versions do (their Plugin.Action_timeout, default 10)",
      seconds,
    )
    .option("--compact", "print JSON on one line (the request exactly as sent)")
    .option("-c, --custom <dir...>", "in-process: custom module root(s) to load")
    .option("--config <file>", "in-process: JSON configuration file")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  misp-modules-ts query testaction --data examples/roaming/event-publish-tlp-red.json \\\n" +
        "      --param 'Data extraction path=Event._AttributeFlattened.{n}[type=/^ip-/].value' --print-request\n" +
        "  misp-modules-ts query my_module --data roaming.json \\\n" +
        "      --filter 'selector=Event._AttributeFlattened.{n},operator=in,value=tlp:red,path=_allTags.{n}.name'",
    )
    .action(
      async (
        module: string,
        opts: {
          data: string;
          param: string[];
          filter?: string;
          url?: string;
          printRequest?: boolean;
          jinja: boolean;
          mispBaseurl?: string;
          mispTimeout?: number;
          compact?: boolean;
          custom?: string[];
          config?: string;
        },
      ) => {
        const code = await runQueryCommand(
          {
            module,
            data: opts.data,
            params: opts.param,
            filter: opts.filter,
            url: opts.url,
            printRequest: opts.printRequest,
            compact: opts.compact,
            noJinja: !opts.jinja,
            mispBaseUrl: opts.mispBaseurl,
            mispTimeout: opts.mispTimeout,
            custom: opts.custom,
            config: opts.config,
          },
          { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
        );
        // In-process modules may have started the shared Jinja worker pool; its threads would keep the CLI alive.
        await closeTemplatePool();
        process.exitCode = code;
      },
    );
}
