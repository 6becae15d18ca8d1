#!/usr/bin/env node
import { Command } from "commander";
import { ENV } from "./core/config.js";
import { registerServe } from "./commands/serve.js";
import { VERSION } from "./package-info.js";

// Entry point: `misp-modules-ts [serve options]` runs the server; sub-commands help module
// authors and operators work offline.

const program = new Command("misp-modules-ts")
  // Serve flags belong before a sub-command; after it, -d/-c/... are the sub-command's own.
  .enablePositionalOptions()
  .description("misp-modules protocol server for MISP (Action and Enrichment services)")
  .version(VERSION, "-V, --version")
  .addHelpText(
    "after",
    `\nEach serve flag can also be set by an environment variable (shown in brackets).\nExamples:\n  misp-modules-ts -p 6666 -l 127.0.0.1\n  ${ENV.custom}=/opt/misp-modules misp-modules-ts\n  misp-modules-ts query testaction --data examples/roaming/event-publish-tlp-red.json`,
  );

registerServe(program);

// Sub-commands register themselves below (one line each).
(await import("./commands/render.js")).registerRenderCommand(program);
(await import("./commands/extract.js")).registerExtractCommand(program);
(await import("./commands/query.js")).registerQueryCommand(program);
(await import("./commands/new.js")).registerNew(program);
(await import("./commands/modules.js")).registerModulesCommand(program);
(await import("./commands/console.js")).registerConsoleCommands(program);
(await import("./commands/outbox.js")).registerOutboxCommand(program);
(await import("./commands/blueprints.js")).registerBlueprintsCommand(program);
(await import("./commands/check.js")).registerCheckCommand(program);

export const cliReady = program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`misp-modules-ts: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
