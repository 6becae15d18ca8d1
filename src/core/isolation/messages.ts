// Messages between the server thread and a custom module's isolate (a worker thread).
// Types only: both sides import this file, and the worker must not pull in the server.

import type { Config } from "../config.js";
import type { ModuleKind } from "../registry/loader.js";
import type { Outcome } from "../runtime/run-query.js";
import type { ParamSpec } from "../../sdk/params.js";
import type { ServerSettingFacts } from "../../sdk/server-settings.js";
import type { SettingSpec } from "../../sdk/settings.js";
import type { ActionModuleDefinition, ExpansionModuleDefinition } from "../../sdk/types.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** What the server hands a new isolate (workerData). */
export interface IsolateWorkerData {
  /** URL of worker.ts/worker.js (the source bootstrap imports it). */
  workerModule: string;
  config: Config;
  env: Record<string, string | undefined>;
  /** Levels the server's logger writes; the isolate forwards only those. */
  levels: LogLevel[];
  /** The server's pid: signals to it from module code are refused. */
  serverPid: number;
}

// Field types come from the SDK's declaration (src/sdk/types.ts), so the two cannot drift.
type Action = ActionModuleDefinition;
type Expansion = ExpansionModuleDefinition;

/** A declared action parameter without its parser (which stays in the isolate). */
export type ParamSpecData = Omit<ParamSpec, "schema" | "kind"> & { kind: string };

/** The serialisable part of a module definition: enough for GET /modules, deadlines and error replies. */
export interface DefinitionData {
  kind: ModuleKind;
  meta: Record<string, unknown>;
  timeoutMs?: number;
  hasInit: boolean;
  /** Declared server settings, for listings (/openapi.json, `modules`); the isolate parses and checks them. */
  serverSettings?: Record<string, ServerSettingFacts>;
  // actions
  params?: Record<string, ParamSpecData>;
  icon?: Action["icon"];
  blocking?: Action["blocking"];
  supportFilters?: Action["supportFilters"];
  expectMispCoreFormat?: Action["expectMispCoreFormat"];
  // expansions
  moduleType?: Expansion["moduleType"];
  input?: Expansion["input"];
  output?: Expansion["output"];
  format?: Expansion["format"];
  settings?: Record<string, SettingSpec>;
  /** The module's errorReply() applied to ERROR_MESSAGE_MARK, as JSON: lets the server build that reply when the isolate is gone. */
  errorReplyTemplate?: string;
}

export const ERROR_MESSAGE_MARK = "@@misp-modules-ts:error-message@@";

/** Server → isolate. */
export type ToIsolate =
  | { t: "load"; file: string; name: string; kind: ModuleKind }
  | { t: "query"; id: number; body: string; deadlineMs: number; reqId?: string };

/** Isolate → server. */
export type FromIsolate =
  | { t: "booted" }
  | { t: "loaded"; def: DefinitionData }
  | { t: "load-failed"; error: string }
  | { t: "init"; ok: boolean; error?: string }
  | { t: "reply"; id: number; json: string; outcome: Outcome; error?: string }
  | { t: "log"; level: LogLevel; bindings: Record<string, unknown>; obj: Record<string, unknown>; msg?: string }
  | { t: "stray"; what: "uncaughtException" | "unhandledRejection"; error: string }
  /** The isolate holds more Buffer memory than its bound, after a full collection: stop it. */
  | { t: "over-memory"; bytes: number };
