// The engine's public contract: entry point, error kinds and positions, limits, cache, data immutability.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { needsFaithfulParse } from "../../../src/engines/jinja/json-data.js";
import { compileJinja, DEFAULT_RENDER_LIMITS, parseTemplateJson, renderJinja, TemplateError } from "../../../src/engines/jinja/render.js";

const roaming = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/roaming/${name}`, import.meta.url), "utf8"));

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error("expected a TemplateError");
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object") {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

describe("renderJinja", () => {
  it("has the documented default limits", () => {
    expect(DEFAULT_RENDER_LIMITS).toEqual({ maxOutputBytes: 1024 * 1024, maxRangeSize: 100_000, maxLoopIterations: 1_000_000 });
  });

  it("renders the docs/protocol.md#jinja-rendering example and drops one trailing newline", () => {
    const data = { Event: { id: "42", info: "Phishing campaign" } };
    expect(renderJinja("Event {{ Event.id }}: {{ Event.info }}\n", data)).toBe("Event 42: Phishing campaign");
    expect(renderJinja("a\n\n", {})).toBe("a\n");
    expect(renderJinja("a\r\nb", {})).toBe("a\nb");
  });

  it("treats non-object contexts as empty", () => {
    for (const ctx of [[], null, "text", 42, [1, 2], undefined]) {
      expect(renderJinja("[{{ Event }}]{{ Event is defined }}", ctx)).toBe("[]False");
    }
  });

  it("prints Python values", () => {
    const out = renderJinja(
      "{{ [1, 'a', none, true, 2.0, {'k': (1,)}] }}|{{ 1e20 }}|{{ 1/3 }}|{{ 10**20 }}|{{ -7 // 2 }}|{{ 0.1 + 0.2 }}",
      {},
    );
    expect(out).toBe("[1, 'a', None, True, 2.0, {'k': (1,)}]|1e+20|0.3333333333333333|100000000000000000000|-4|0.30000000000000004");
  });

  it("reports syntax errors with line, column and what was expected", () => {
    const e = errorOf(() => renderJinja("line one\n{{ Event.id x }}", {}));
    expect(e.kind).toBe("syntax");
    expect(e.pythonClass).toBe("TemplateSyntaxError");
    expect(e.line).toBe(2);
    expect(e.column).toBe(13);
    expect(e.message).toBe("line 2, column 13: expected token 'end of print statement', got 'x'");
    const unclosed = errorOf(() => renderJinja("{% for a in b %}x", {}));
    expect(unclosed.message).toMatch(
      /^line 1, column 18: Unexpected end of template\. Jinja was looking for the following tags: 'endfor' or 'else'/,
    );
    expect(errorOf(() => renderJinja("{{ x | nosuchfilter }}", {})).pythonClass).toBe("TemplateAssertionError");
  });

  it("classifies render errors", () => {
    expect(errorOf(() => renderJinja("{{ Nope.deeper }}", {})).kind).toBe("undefined");
    expect(errorOf(() => renderJinja("{{ ''.__class__.__mro__ }}", {})).kind).toBe("security");
    const typeErr = errorOf(() => renderJinja("{{ 1 + 'a' }}", {}));
    expect([typeErr.kind, typeErr.pythonClass]).toEqual(["render", "TypeError"]);
    expect(errorOf(() => renderJinja("{{ 1 // 0 }}", {})).pythonClass).toBe("ZeroDivisionError");
  });

  it("enforces the output, range and loop limits given by the caller", () => {
    expect(renderJinja("{{ 'x' * 10 }}", {}, { maxOutputBytes: 10 })).toBe("xxxxxxxxxx");
    const out = errorOf(() => renderJinja("{{ 'x' * 10 }}é", {}, { maxOutputBytes: 11 }));
    expect([out.kind, out.pythonClass]).toEqual(["limit", "OutputTooLarge"]);
    const range = errorOf(() => renderJinja("{{ range(11) | list }}", {}, { maxRangeSize: 10 }));
    expect([range.kind, range.pythonClass]).toEqual(["limit", "OverflowError"]);
    expect(range.message).toContain("MAX_RANGE (10)");
    // Bounds past 2**53 would be miscounted in doubles: refused instead of rendering a wrong range.
    const huge = errorOf(() => renderJinja("{{ range(2 ** 60, 2 ** 60 + 2) | list }}", {}));
    expect([huge.pythonClass, huge.message]).toEqual(["OverflowError", expect.stringContaining("beyond 2**53")]);
    expect(renderJinja("{{ range(2 ** 53 - 2, 2 ** 53) | list }}", {})).toBe("[9007199254740990, 9007199254740991]");
    expect(renderJinja("{% for i in range(5) %}{% endfor %}ok", {}, { maxLoopIterations: 5 })).toBe("ok");
    const loops = errorOf(() =>
      renderJinja("{% for i in range(3) %}{% for j in range(3) %}{% endfor %}{% endfor %}", {}, { maxLoopIterations: 10 }),
    );
    expect(loops.kind).toBe("limit");
  });

  it("stops runaway templates quickly", () => {
    const started = Date.now();
    for (const t of [
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
      "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
      "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    ]) {
      expect(errorOf(() => renderJinja(t, {})).kind).toBe("limit");
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("never modifies the context data while reading it", () => {
    const data = deepFreeze(roaming("event-publish-tlp-red.json"));
    const before = JSON.stringify(data);
    const templates = [
      "{% for a in Event.Attribute | sort(attribute='value') %}{{ a.value }}{% endfor %}",
      "{{ Event.Tag | reverse | list }}{{ Event | dictsort }}{{ Event._AttributeFlattened | groupby('type') | length }}",
      "{% set t = Event.Tag %}{% set x = t + [1] %}{{ x | length }}{{ Event.Tag | unique(attribute='name') | list | length }}",
    ];
    for (const t of templates) renderJinja(t, data);
    // Data the caller froze cannot follow Jinja's list/dict methods: a clear refusal, not a crash.
    expect(errorOf(() => renderJinja("{{ Event.Tag.append(1) }}", data)).pythonClass).toBe("SecurityError");
    expect(JSON.stringify(data)).toBe(before);
  });

  it("lets a template change the context data as Jinja does, and undoes it when the render ends", () => {
    const data = { Event: { info: "i", id: "1", Tag: [{ name: "a" }, { name: "b" }], Object: [{ Attribute: [{ value: "v" }] }] } };
    const before = JSON.stringify(data);
    const mutate =
      "{% set tags = Event.Tag %}{{ tags.append({'name': 'c'}) }}{{ Event.Tag|length }}|{{ Event.Tag.pop(0).name }}|" +
      "{{ Event.update({'info': 'changed', 'extra': 1}) }}{{ Event.info }}{{ Event|list }}|{{ Event.setdefault('id', 'x') }}|" +
      "{{ Event.pop('id') }}{{ Event.id is defined }}|{{ Event.Object[0].Attribute.clear() }}{{ Event.Object }}|" +
      "{{ Event.Tag.reverse() }}{{ Event.Tag|map(attribute='name')|join }}|{{ Event.Tag.sort(key=none, reverse=true) is none }}";
    // Expected output from Jinja2 3.1.6 SandboxedEnvironment, except the last part (Python cannot order dicts: TypeError).
    expect(errorOf(() => renderJinja(mutate, data)).pythonClass).toBe("TypeError");
    expect(JSON.stringify(data)).toBe(before);
    const ok = mutate.slice(0, mutate.lastIndexOf("|"));
    expect(renderJinja(ok, data)).toBe(
      "None3|a|Nonechanged['info', 'id', 'Tag', 'Object', 'extra']|1|1False|None[{'Attribute': []}]|Nonecb",
    );
    // The next render of the same objects sees them as they were.
    expect(JSON.stringify(data)).toBe(before);
    expect(renderJinja("{{ Event.Tag|length }} {{ Event|list }} {{ Event.Object[0].Attribute|length }}", data)).toBe(
      "2 ['info', 'id', 'Tag', 'Object'] 1",
    );
    // Parsed as MISP's data is (integer-like keys make a PyDict), and with a key JavaScript objects cannot keep in order.
    const parsed = parseTemplateJson('{"Event": {"1": "one", "info": "x"}, "l": [3, 1, 2]}');
    const parsedBefore = JSON.stringify(renderJinja("{{ Event }}{{ l }}", parsed));
    expect(renderJinja("{{ Event.update({2: 'two'}) }}{{ Event }}{{ l.sort() }}{{ l }}", parsed)).toBe(
      "None{'1': 'one', 'info': 'x', 2: 'two'}None[1, 2, 3]",
    );
    expect(JSON.stringify(renderJinja("{{ Event }}{{ l }}", parsed))).toBe(parsedBefore);
    expect(errorOf(() => renderJinja("{{ Event.update({5: 1}) }}", data)).pythonClass).toBe("NotImplementedError");
    expect(JSON.stringify(data)).toBe(before);
  });

  it("lets templates change the lists and dicts they built", () => {
    expect(renderJinja("{% set l = [] %}{% set _ = l.append(1) %}{% set d = {} %}{% set _ = d.update(a=1) %}{{ l }}{{ d }}", {})).toBe(
      "[1]{'a': 1}",
    );
  });

  it("caches compiled templates by text", () => {
    const t = "{{ Event.info }} cached";
    expect(compileJinja(t)).toBe(compileJinja(t));
    expect(renderJinja(t, { Event: { info: "a" } })).toBe("a cached");
    expect(renderJinja(t, { Event: { info: "b" } })).toBe("b cached");
  });

  it("renders real roaming data like MISP's chat notifications", () => {
    const data = roaming("event-publish-mixed-galaxy-objects.json");
    const t =
      "{% for a in Event._AttributeFlattened if a.to_ids %}{{ loop.index }}. {{ a.type }} {{ a.value | replace('.', '[.]') }}\n{% endfor %}";
    const out = renderJinja(t, data);
    expect(out.split("\n")[0]).toBe("1. ip-src 192[.]0[.]2[.]200");
  });

  it("parses template data like Python's json.loads when asked", () => {
    const text = '{"a": 1.0, "b": 1e3, "c": 12345678901234567890, "d": {"2": "x", "1": "y"}, "e": 2.5, "s": "x\\u00e9"}';
    const data = parseTemplateJson(text);
    expect(renderJinja("{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}|{{ s }}|{{ d | tojson }}", data)).toBe(
      "1.0|1000.0|12345678901234567890|{'2': 'x', '1': 'y'}|2.5|x\u00e9|{\"1\": \"y\", \"2\": \"x\"}",
    );
    const plain = JSON.stringify(roaming("event-publish-tlp-white.json"));
    expect(parseTemplateJson(plain)).toEqual(JSON.parse(plain));
    expect(renderJinja("{{ x }}", parseTemplateJson('{"7": 1, "x": "top-level"}'))).toBe("top-level");
    expect(() => parseTemplateJson('{"a": 1.0,}')).toThrow(SyntaxError);
  });

  it("takes the fast JSON.parse path for MISP events and the faithful one wherever a number or key needs it", () => {
    // Every roaming event is full of hex ids and timestamps ("55f6ea5e", ":00.000000"); none holds a
    // value JSON.parse would change, so none may pay for the character-by-character parser.
    for (const name of ["event-publish-tlp-red.json", "event-publish-mixed-galaxy-objects.json", "event-publish-onion-pap-red.json"]) {
      expect(needsFaithfulParse(JSON.stringify(roaming(name))), name).toBe(false);
    }
    const faithful = [
      '{"a":1.0}',
      '{"a": [2, -3.00]}',
      '{"a":1e3}',
      "[0.5E-2]",
      '{"a": -2.5e+1}',
      '{"big": 9007199254740993}',
      '{"1": "x"}',
      '{"a": 1, "2": 0}',
      "[1, 1.0]",
    ];
    for (const text of faithful) expect(needsFaithfulParse(text), text).toBe(true);
    const fast = [
      '{"a": 1.5, "b": -2, "c": 0.25}',
      '{"u": "55f6ea5e-2c60", "t": "2023-01-01 10:00:00.000000"}',
      '{"k1": 1}',
      '{"s": "1.0"}',
      "[123456789012345]",
    ];
    for (const text of fast) {
      expect(needsFaithfulParse(text), text).toBe(false);
      expect(parseTemplateJson(text)).toEqual(JSON.parse(text));
    }
    // A string that merely looks like such a value costs speed, never correctness.
    expect(needsFaithfulParse('{"s": "x, 1.0"}')).toBe(true);
    expect(renderJinja("{{ s }}", parseTemplateJson('{"s": "x, 1.0"}'))).toBe("x, 1.0");
  });
});
