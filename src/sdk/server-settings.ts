import { ModuleError } from "./errors.js";

// Server-side settings: values the server's operator sets for a module in the config file
// (`modules.<module>.<key>`) or the environment (`MISP_MODULES_<MODULE>_<KEY>`), never MISP.
// A module declares them like parameters; the core checks them when the module loads (a bad
// value makes the module fail to load, naming module and key) and hands typed values to the
// handler as `ctx.settings` (docs/writing-modules.md#server-settings). Not to be confused with
// an expansion's `settings`, which MISP's admin sets and sends in `config`.

export type ServerSettingKind = "text" | "secret" | "integer" | "boolean" | "one_of" | "list";

export interface ServerSettingSpec<T = unknown> {
  readonly kind: ServerSettingKind;
  readonly description: string;
  /** The default as shown in listings; undefined when an unset value stays unset. */
  readonly default?: string;
  /** Never echoed in errors; scrubbed from this request's error reply and logs. */
  readonly secret: boolean;
  /** Bounds of an integer and the words of a one_of, for listings (parse enforces them). */
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Turns the configured string (undefined when unset) into the value; throws an Error saying what is wrong. */
  parse(raw: string | undefined): T;
}

/** A declared server setting without its parser: what listings and isolates exchange. */
export type ServerSettingFacts = Omit<ServerSettingSpec, "parse">;

export type ServerSettingValues<S extends Record<string, ServerSettingSpec>> = {
  readonly [K in keyof S]: S[K] extends ServerSettingSpec<infer T> ? T : never;
};

/** The environment variable that sets a module's server setting (the config file wins over it). */
export function serverSettingEnvName(module: string, key: string): string {
  return `MISP_MODULES_${module}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/** A server setting whose value is wrong; the message names module, key and variable. */
export class ServerSettingError extends ModuleError {
  constructor(
    readonly module: string,
    readonly key: string,
    reason: string,
  ) {
    super(`server setting modules.${module}.${key} ${reason} (config file, or ${serverSettingEnvName(module, key)} in the environment)`);
    this.name = "ServerSettingError";
  }
}

/** Reads every declared setting through `read` (the raw configured string); throws ServerSettingError. */
export function readServerSettings<S extends Record<string, ServerSettingSpec>>(
  module: string,
  specs: S,
  read: (key: string) => string | undefined,
): ServerSettingValues<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const raw = read(key);
    try {
      out[key] = spec.parse(raw === "" ? undefined : raw);
    } catch (e) {
      const got = spec.secret || raw === undefined ? "" : `, got ${JSON.stringify(raw)}`;
      throw new ServerSettingError(module, key, `${(e as Error).message}${got}`);
    }
  }
  return out as ServerSettingValues<S>;
}

interface Common {
  description: string;
}

const TRUE_WORDS = /^(1|true|yes|on)$/i;
const FALSE_WORDS = /^(0|false|no|off)$/i;

type Bounds = Pick<ServerSettingSpec, "min" | "max" | "choices">;

function spec<T>(
  kind: ServerSettingKind,
  o: Common,
  dflt: unknown,
  parse: (raw: string | undefined) => T,
  secret = false,
  bounds: Bounds = {},
): ServerSettingSpec<T> {
  const shown = dflt === undefined ? undefined : Array.isArray(dflt) ? dflt.join(", ") : String(dflt);
  return { kind, description: o.description, default: shown, secret, ...bounds, parse };
}

function text(o: Common & { default: string; trim?: boolean }): ServerSettingSpec<string>;
function text(o: Common & { trim?: boolean }): ServerSettingSpec<string | undefined>;
function text(o: Common & { default?: string; trim?: boolean }): ServerSettingSpec<string | undefined> {
  return spec("text", o, o.default, (raw) => {
    const v = o.trim === false ? raw : raw?.trim();
    return v === undefined || v === "" ? o.default : v;
  });
}

function integer(o: Common & { default: number; min?: number; max?: number }): ServerSettingSpec<number>;
function integer(o: Common & { min?: number; max?: number }): ServerSettingSpec<number | undefined>;
function integer(o: Common & { default?: number; min?: number; max?: number }): ServerSettingSpec<number | undefined> {
  return spec(
    "integer",
    o,
    o.default,
    (raw) => {
      const v = raw?.trim();
      if (v === undefined || v === "") return o.default;
      const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
      const range = o.max === undefined ? `≥ ${o.min ?? 0}` : `between ${o.min ?? 0} and ${o.max}`;
      if (!Number.isSafeInteger(n) || n < (o.min ?? 0) || (o.max !== undefined && n > o.max))
        throw new Error(`must be a whole number ${range}`);
      return n;
    },
    false,
    { min: o.min ?? 0, ...(o.max === undefined ? {} : { max: o.max }) },
  );
}

function boolean(o: Common & { default: boolean }): ServerSettingSpec<boolean>;
function boolean(o: Common): ServerSettingSpec<boolean | undefined>;
function boolean(o: Common & { default?: boolean }): ServerSettingSpec<boolean | undefined> {
  return spec("boolean", o, o.default, (raw) => {
    const v = raw?.trim();
    if (v === undefined || v === "") return o.default;
    if (TRUE_WORDS.test(v)) return true;
    if (FALSE_WORDS.test(v)) return false;
    throw new Error("must be true or false");
  });
}

function oneOf<C extends string>(choices: readonly C[], o: Common & { default: C }): ServerSettingSpec<C>;
function oneOf<C extends string>(choices: readonly C[], o: Common): ServerSettingSpec<C | undefined>;
function oneOf<C extends string>(choices: readonly C[], o: Common & { default?: C }): ServerSettingSpec<C | undefined> {
  return spec(
    "one_of",
    o,
    o.default,
    (raw) => {
      const v = raw?.trim().toLowerCase();
      if (v === undefined || v === "") return o.default;
      if (!(choices as readonly string[]).includes(v)) throw new Error(`must be one of ${choices.join(", ")}`);
      return v as C;
    },
    false,
    { choices: [...choices] },
  );
}

/** A list setting's items: separated by commas or white space; unset or empty: none. */
export function settingList(raw: string | undefined): readonly string[] {
  return (raw ?? "").split(/[\s,]+/).filter((s) => s !== "");
}

export const serverSetting = {
  /** Text; trimmed unless `trim: false`; an empty value is unset. */
  text,
  /** A credential: may be a `secret:NAME` reference, never echoed, scrubbed from error replies and logs. */
  secret(o: Common): ServerSettingSpec<string | undefined> {
    return spec("secret", o, undefined, (raw) => (raw === "" ? undefined : raw), true);
  },
  /** A whole number, at least `min` (default 0) and at most `max`. */
  integer,
  /** 1/true/yes/on or 0/false/no/off (any case). */
  boolean,
  /** One of the given words (any case; the value is lower-cased). */
  oneOf,
  /** Items separated by commas or white space; unset: an empty list. */
  list(o: Common): ServerSettingSpec<readonly string[]> {
    return spec("list", o, undefined, settingList);
  },
};
