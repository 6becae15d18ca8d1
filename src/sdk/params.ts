import { z } from "zod";
import { checkHttpUrl } from "./http-url.js";

// Parameter kinds of action modules. MISP's node editor knows three widgets only
// (single-line input, textarea, hash path) and sends every value as a string, "" when the
// user left the field untouched (docs/protocol.md#action-config). Each kind therefore pairs a widget with a
// zod schema that turns that string into a typed value, applying our default for "".

export type ParamWidget = "string" | "large_string" | "hash_path";

/** What a parameter holds, beyond its widget. */
export type ParamKind =
  | "string"
  | "large_string"
  | "template"
  | "hash_path"
  | "boolean"
  | "integer"
  | "one_of"
  | "list"
  | "secret"
  | "url"
  | "duration";

export interface ParamSpec<T = unknown> {
  /**
   * What the value is. The runtime reads it: a `url` value's credentials (userinfo, query
   * values) are redacted from logs, error replies and stored deliveries.
   */
  readonly kind: ParamKind;
  readonly widget: ParamWidget;
  /** Kept in the descriptor (MISP never shows it); says allowed values and the default. */
  readonly description: string;
  /** What MISP shows in the empty field. Never a default: untouched fields arrive as "". */
  readonly placeholder?: string;
  /** MISP renders the value with Jinja against the roaming data before calling us (docs/protocol.md#jinja-params). */
  readonly jinja: boolean;
  /** Value may be a `secret:NAME` reference and is redacted from logs and errors. */
  readonly secret: boolean;
  readonly required: boolean;
  /** Parses the raw string ("" = not set). Issues' messages are prefixed with the parameter name. */
  readonly schema: z.ZodType<T>;
}

export type ParamValues<P extends Record<string, ParamSpec>> = { [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never };

interface CommonOptions {
  description?: string;
  placeholder?: string;
  /** "" is an error instead of the default. */
  required?: boolean;
}

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d` → milliseconds; undefined when not a time span. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i.exec(text.trim());
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? "s").toLowerCase()]!);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

function describe(base: string | undefined, extra: string[]): string {
  const own = base?.trim();
  // A module that states its own default (e.g. "Default: the server setting, else 587") keeps it
  // alone: a second, generated "Default: …" would contradict it.
  const generated = own && /\bDefault:/.test(own) ? extra.map((e) => e.replace(/\s*Default: [^]*$/, "")) : extra;
  return [own, ...generated].filter((s): s is string => !!s && s.length > 0).join(" ");
}

function spec<T>(
  kind: ParamKind,
  widget: ParamWidget,
  o: CommonOptions & { jinja?: boolean; secret?: boolean },
  schema: z.ZodType<T>,
  extra: string[],
): ParamSpec<T> {
  return {
    kind,
    widget,
    description: describe(o.description, extra),
    placeholder: o.placeholder,
    jinja: o.jinja ?? false,
    secret: o.secret ?? false,
    required: o.required ?? false,
    schema,
  };
}

function textSchema(def: string | undefined): z.ZodType<string> {
  return z.string().transform((s) => (s === "" && def !== undefined ? def : s));
}

export const param = {
  /** Single-line text. */
  string(o: CommonOptions & { default?: string; jinja?: boolean; secret?: boolean } = {}): ParamSpec<string> {
    return spec("string", "string", o, textSchema(o.default), o.default ? [`Default: ${o.default}.`] : []);
  },
  /** Multi-line text (textarea). */
  largeString(o: CommonOptions & { default?: string; jinja?: boolean; secret?: boolean } = {}): ParamSpec<string> {
    return spec("large_string", "large_string", o, textSchema(o.default), []);
  },
  /**
   * Template text: MISP renders it (jinja_supported) and sends the result; never render it again.
   * "" means unset, a template that raised an error, or one that printed nothing: the module falls
   * back to its default text. (When MISP cannot reach the renderer it aborts the run instead.)
   */
  template(o: CommonOptions & { multiline?: boolean; secret?: boolean } = {}): ParamSpec<string> {
    return spec("template", o.multiline === false ? "string" : "large_string", { ...o, jinja: true }, z.string(), [
      "Jinja2 template, rendered by MISP against the roaming data.",
    ]);
  },
  /** CakePHP hash path; MISP also sends its extraction in matchingData under the parameter's label. */
  hashPath(o: CommonOptions = {}): ParamSpec<string> {
    return spec("hash_path", "hash_path", o, z.string(), ["CakePHP hash path (Hash::extract syntax)."]);
  },
  /** true/false parsed from 1/true/yes/on and 0/false/no/off (case-insensitive). */
  boolean(o: CommonOptions & { default: boolean }): ParamSpec<boolean> {
    const schema = z.string().transform((raw, ctx) => {
      const s = raw.trim().toLowerCase();
      if (s === "") return o.default;
      if (TRUE_WORDS.has(s)) return true;
      if (FALSE_WORDS.has(s)) return false;
      ctx.addIssue({ code: "custom", message: "must be true or false" });
      return z.NEVER;
    });
    return spec("boolean", "string", { ...o, placeholder: o.placeholder ?? String(o.default) }, schema, [
      `true or false. Default: ${o.default}.`,
    ]);
  },
  /** Decimal digits only (optionally bounded). Undefined when "" and no default. */
  integer<D extends number | undefined = undefined>(
    o: CommonOptions & { default?: D; min?: number; max?: number } = {},
  ): ParamSpec<D extends number ? number : number | undefined> {
    const schema = z.string().transform((raw, ctx) => {
      const s = raw.trim();
      if (s === "") return o.default;
      if (!/^\d+$/.test(s)) {
        ctx.addIssue({ code: "custom", message: "must be a whole number" });
        return z.NEVER;
      }
      const n = Number(s);
      if (!Number.isSafeInteger(n)) {
        ctx.addIssue({ code: "custom", message: "is too large" });
        return z.NEVER;
      }
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
        ctx.addIssue({ code: "custom", message: `must be between ${o.min ?? 0} and ${o.max ?? "∞"}` });
        return z.NEVER;
      }
      return n;
    });
    const extra = [
      o.min !== undefined || o.max !== undefined ? `From ${o.min ?? 0} to ${o.max ?? "any"}.` : "",
      o.default !== undefined ? `Default: ${o.default}.` : "",
    ];
    const placeholder = o.placeholder ?? (o.default !== undefined ? String(o.default) : undefined);
    return spec(
      "integer",
      "string",
      { ...o, placeholder },
      schema as unknown as z.ZodType<D extends number ? number : number | undefined>,
      extra,
    );
  },
  /**
   * One of a fixed set (case-insensitive). MISP has no select widget and shows only the
   * placeholder, so the placeholder must itself be a valid value (by default the default, else the
   * first choice); the choices are listed in the description. "" is never a choice: it is the
   * untouched field, and means `default` ("" for "not set").
   */
  oneOf<const C extends readonly string[], const D extends C[number] | "" = C[number]>(
    choices: C,
    o: CommonOptions & { default: D },
  ): ParamSpec<C[number] | D> {
    const real = choices.filter((c) => c !== "");
    const schema = z.string().transform((raw, ctx) => {
      const s = raw.trim().toLowerCase();
      if (s === "") return o.default;
      const hit = real.find((c) => c.toLowerCase() === s);
      if (hit === undefined) {
        ctx.addIssue({ code: "custom", message: `must be one of ${real.join(", ")}` });
        return z.NEVER;
      }
      return hit as C[number] | D;
    });
    const placeholder = o.placeholder ?? (o.default !== "" ? o.default : real[0]);
    const defaultText = o.default !== "" ? `Default: ${o.default}.` : "Empty: not set.";
    return spec("one_of", "string", { ...o, placeholder }, schema, [`One of: ${real.join(", ")}. ${defaultText}`]);
  },
  /**
   * A time span: a number with a unit, `500ms`, `90s`, `15m`, `12h`, `30d`, `2w` (a bare number is
   * seconds), parsed to milliseconds. `default` is written the same way.
   */
  duration(o: CommonOptions & { default: string; min?: string; max?: string }): ParamSpec<number> {
    const def = parseDuration(o.default)!;
    const min = o.min ? parseDuration(o.min)! : 1;
    const max = o.max ? parseDuration(o.max)! : Number.MAX_SAFE_INTEGER;
    const schema = z.string().transform((raw, ctx) => {
      const s = raw.trim();
      if (s === "") return def;
      const ms = parseDuration(s);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: "must be a time span such as 90s, 15m, 12h or 30d" });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({ code: "custom", message: `must be between ${o.min ?? "1ms"} and ${o.max ?? "any"}` });
        return z.NEVER;
      }
      return ms;
    });
    return spec("duration", "string", { ...o, placeholder: o.placeholder ?? o.default }, schema, [
      `Time span: a number with ms, s, m, h, d or w (a bare number is seconds). Default: ${o.default}.`,
    ]);
  },
  /** Items separated by commas, semicolons or line breaks; trimmed, empties dropped. */
  list(o: CommonOptions & { jinja?: boolean; multiline?: boolean } = {}): ParamSpec<string[]> {
    const schema = z.string().transform((s) =>
      s
        .split(/[,;\r\n]+/)
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    );
    return spec("list", o.multiline ? "large_string" : "string", o, schema, ["Separate items with commas, semicolons or line breaks."]);
  },
  /** A credential. May be given as `secret:NAME`, resolved on the server; never logged. */
  secret(o: CommonOptions = {}): ParamSpec<string> {
    return spec("secret", "string", { ...o, secret: true }, z.string(), [
      "May be a reference secret:NAME resolved from the server's secrets.",
    ]);
  },
  /** An http(s) URL. `secret: true` when the URL itself is a credential (incoming webhooks). */
  url(o: CommonOptions & { default?: string; secret?: boolean; jinja?: boolean } = {}): ParamSpec<string> {
    const schema = z.string().transform((raw, ctx) => {
      const s = raw.trim() === "" && o.default !== undefined ? o.default : raw.trim();
      if (s === "") return s;
      // Credentials are allowed: a URL may carry them (they are redacted, see ParamSpec.kind).
      if ("problem" in checkHttpUrl(s, { allowCredentials: true })) {
        ctx.addIssue({ code: "custom", message: "must be an http:// or https:// URL" });
        return z.NEVER;
      }
      return s;
    });
    return spec("url", "string", o, schema, [o.default ? `http(s) URL. Default: ${o.default}.` : "http(s) URL."]);
  },
} as const;
