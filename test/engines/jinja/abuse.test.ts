// Abuse corpus: escapes known from nunjucks, lodash, handlebars and Jinja SSTI, resource exhaustion,
// and the vectors' security cases. Each payload must render exactly as Jinja2's sandbox renders it
// (mostly: nothing, or an error), or be stopped by a limit - and nothing outside the render may change.
// Expected outputs come from Jinja2 3.1.6 SandboxedEnvironment. Calls that modify the context data
// (dict.update, list.append ...) work as in Jinja within the render and are undone when it ends.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderJinja, TemplateError } from "../../../src/engines/jinja/render.js";

interface AbuseCase {
  kind: string;
  template: string;
  expect: { output: string } | { error: string } | { limit: true };
}

const CASES: AbuseCase[] = [
  { kind: "js", template: '{{ "".constructor.constructor("return process")() }}', expect: { error: "UndefinedError" } },
  {
    kind: "js",
    template: "{{ range.constructor(\"return global.process.mainModule.require('child_process').execSync('id')\")() }}",
    expect: { error: "UndefinedError" },
  },
  { kind: "js", template: '{{ cycler.constructor.constructor("return this")() }}', expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ ''.__proto__ }}|", expect: { output: "|" } },
  { kind: "js", template: "{{ ''.__proto__.polluted }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{% set x = {} %}{{ x.__proto__ }}|{{ x.constructor }}|", expect: { output: "||" } },
  { kind: "py", template: "{{ ''.__class__.__mro__[1].__subclasses__() }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ cycler.__init__.__globals__.os.popen('id').read() }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ joiner.__init__.__globals__ }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ namespace.__init__.__globals__ }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ lipsum.__globals__['os'].popen('id').read() }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ self.__init__.__globals__ }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ config.items() }}", expect: { error: "UndefinedError" } },
  { kind: "py", template: "{{ request.application.__globals__.__builtins__ }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ ''.__lookupGetter__('length') }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ {}.__defineGetter__('x', 1) }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ toString.call(process) }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ [].constructor.prototype.push }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ [].concat.constructor('return process')() }}", expect: { error: "UndefinedError" } },
  { kind: "py", template: "{{ range.__call__ }}|{{ range.__self__ }}|", expect: { output: "||" } },
  {
    kind: "lodash",
    template: "<%= global.process.mainModule.require('child_process').execSync('id') %>",
    expect: { output: "<%= global.process.mainModule.require('child_process').execSync('id') %>" },
  },
  {
    kind: "lodash",
    template: "${process.mainModule.require('child_process').execSync('id')}",
    expect: { output: "${process.mainModule.require('child_process').execSync('id')}" },
  },
  {
    kind: "handlebars",
    template:
      '{{#with "s" as |string|}}{{#with string.split as |conslist|}}{{this.push (lookup string.sub "constructor")}}{{/with}}{{/with}}',
    expect: { error: "TemplateSyntaxError" },
  },
  { kind: "js", template: "{{ (1).constructor }}|", expect: { output: "|" } },
  { kind: "js", template: "{{ Event.constructor }}|{{ Event.__proto__ }}|{{ Event.hasOwnProperty }}|", expect: { output: "||own|" } },
  { kind: "pollution", template: "{% set __proto__ = {'polluted': 'yes'} %}{{ __proto__ }}", expect: { output: "{'polluted': 'yes'}" } },
  {
    kind: "pollution",
    template: "{% set x = {} %}{% set _ = x.update({'__proto__': {'polluted': 'yes'}}) %}{{ x }}|{{ {}.polluted }}|",
    expect: { output: "{'__proto__': {'polluted': 'yes'}}||" },
  },
  { kind: "mutation", template: "{% set _ = Event.update({'info': 'hacked'}) %}{{ Event.info }}", expect: { output: "hacked" } },
  { kind: "mutation", template: "{{ Event.Attribute.append(1) }}", expect: { output: "None" } },
  { kind: "mutation", template: "{{ Event.pop('info') }}", expect: { output: "proto test" } },
  { kind: "mutation", template: "{{ Event.Attribute.clear() }}", expect: { output: "None" } },
  {
    kind: "mutation",
    template:
      "{% set _ = Event.update({'__proto__': {'polluted': 'yes'}, 'constructor': 1}) %}{{ Event['__proto__'] }}|{{ {}.polluted }}|{{ Event.constructor }}",
    expect: { output: "{'polluted': 'yes'}||1" },
  },
  { kind: "py", template: "{{ dict.__class__ }}|{{ dict.mro() }}", expect: { error: "SecurityError" } },
  {
    kind: "js",
    template: "{{ process.env }}|{{ global }}|{{ globalThis }}|{{ Function }}|{{ module }}|{{ exports }}|",
    expect: { error: "UndefinedError" },
  },
  { kind: "js", template: "{{ require('fs') }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ eval('1+1') }}", expect: { error: "UndefinedError" } },
  {
    kind: "js",
    template: "{{ ''['constructor'] }}|{{ ''|attr('constructor') }}|{{ Event|attr('__proto__') }}|",
    expect: { output: "|||" },
  },
  { kind: "ssti", template: '{{ "{{ 7*7 }}" }}', expect: { output: "{{ 7*7 }}" } },
  { kind: "py", template: "{{ ''.format.__globals__ }}", expect: { output: "" } },
  { kind: "py", template: "{{ '{0.__class__}'.format('') }}", expect: { output: "" } },
  { kind: "js", template: "{{ '{0.constructor}'.format('') }}", expect: { output: "" } },
  { kind: "py", template: "{{ '{0.__init__.__globals__}'.format(cycler) }}", expect: { error: "SecurityError" } },
  { kind: "js", template: "{{ Event['__proto__'] }}|{{ Event['constructor'] }}|{{ [].__proto__ }}|", expect: { output: "|||" } },
  { kind: "js", template: "{{ ''.valueOf() }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ ''.__defineSetter__ }}|{{ {}.__lookupSetter__ }}|", expect: { output: "||" } },
  { kind: "py", template: "{{ loop.__class__ }}|", expect: { output: "|" } },
  { kind: "py", template: "{{ ''.__class__.__base__.__subclasses__()[40]('/etc/passwd').read() }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ x.__class__.__init__.__globals__['sys'].modules['os'].system('id') }}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}", expect: { error: "SecurityError" } },
  { kind: "py", template: "{{ namespace.__class__ }}|{{ joiner().__class__ }}|", expect: { output: "||" } },
  { kind: "js", template: "{{ ''|map('constructor')|list }}", expect: { output: "[]" } },
  { kind: "js", template: "{{ Event|selectattr('__proto__')|list }}", expect: { output: "[]" } },
  { kind: "js", template: "{{ Event.Attribute|map(attribute='__proto__')|list }}", expect: { output: "[Undefined]" } },
  { kind: "js", template: "{{ Event.Attribute|map(attribute='constructor.constructor')|list }}", expect: { error: "UndefinedError" } },
  { kind: "js", template: "{{ [1,2]|sort(attribute='__proto__') }}", expect: { output: "[1, 2]" } },
  {
    kind: "pollution",
    template: "{{ dict(__proto__={'polluted': 1}) }}|{{ {}.polluted }}|",
    expect: { output: "{'__proto__': {'polluted': 1}}||" },
  },
  { kind: "pollution", template: "{{ namespace(__proto__={'polluted': 1}).polluted }}|", expect: { output: "|" } },
  {
    kind: "pollution",
    template: "{% set ns = namespace() %}{% set ns.__proto__ = 1 %}{{ ns }}",
    expect: { output: "<Namespace {'__proto__': 1}>" },
  },
  {
    kind: "data",
    template: "{{ Event|tojson }}",
    expect: { output: '{"Attribute": [{"value": "1.2.3.4"}], "hasOwnProperty": "own", "info": "proto test"}' },
  },
  { kind: "memory", template: "{{ 'a' * 10**9 }}", expect: { limit: true } },
  { kind: "memory", template: "{{ 'x' * 10**10 }}", expect: { limit: true } },
  { kind: "memory", template: "{{ [1] * 10**9 }}", expect: { limit: true } },
  { kind: "range", template: "{{ range(10**12) | list }}", expect: { limit: true } },
  { kind: "range", template: "{% for i in range(10**6) %}{% endfor %}", expect: { limit: true } },
  { kind: "loops", template: "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", expect: { limit: true } },
  { kind: "output", template: "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}", expect: { limit: true } },
  {
    kind: "growth",
    template: "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
    expect: { limit: true },
  },
  {
    kind: "growth",
    template: "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    expect: { limit: true },
  },
  { kind: "bigint", template: "{{ 2 ** 999999999 }}", expect: { limit: true } },
  { kind: "bigint", template: "{{ 7 ** 123456789 }}", expect: { limit: true } },
  { kind: "recursion", template: "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", expect: { limit: true } },
  { kind: "recursion", template: "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", expect: { limit: true } },
  {
    kind: "memory",
    template: "{% set l = [] %}{% for i in range(100000) %}{% set _ = l.extend(range(100000)) %}{% endfor %}",
    expect: { limit: true },
  },
  { kind: "memory", template: "{{ range(100000) | join(',') * 100 }}", expect: { limit: true } },
  { kind: "padding", template: "{{ 'x' | center(10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ 'x'.ljust(10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ 'x'.zfill(10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ 'x' | indent(10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ '%1000000000s' % 'x' }}", expect: { limit: true } },
  { kind: "padding", template: "{{ '%.1000000000f' % 1 }}", expect: { limit: true } },
  { kind: "padding", template: "{{ '{:1000000000}'.format('x') }}", expect: { limit: true } },
  { kind: "padding", template: "{{ {'a': [1]} | tojson(indent=10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ lipsum(5, false, 10**9, 10**9+1) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ '\\t'.expandtabs(10**9) }}", expect: { limit: true } },
  { kind: "padding", template: "{{ '{:.1000000000f}'.format(1.5) }}", expect: { limit: true } },
];

const vectors = JSON.parse(readFileSync(new URL("../../fixtures/jinja-vectors.json", import.meta.url), "utf8")) as {
  documents: Record<string, unknown>;
  cases: {
    id: string;
    template: string;
    data_name: string;
    security?: boolean;
    must_refuse?: boolean;
    error?: string;
    expected?: string;
  }[];
};
const protoDoc = vectors.documents.proto;

function snapshotGlobals(): string {
  const names = (o: object): string => Object.getOwnPropertyNames(o).sort().join(",");
  return [
    names(Object.prototype),
    names(Array.prototype),
    names(String.prototype),
    names(Function.prototype),
    names(Number.prototype),
    names(globalThis),
    Object.keys(process.env).length,
  ].join("|");
}

function run(template: string, data: unknown): { output?: string; error?: TemplateError } {
  try {
    return { output: renderJinja(template, data) };
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return { error: e as TemplateError };
  }
}

describe("abuse corpus", () => {
  const before = snapshotGlobals();
  const dataBefore = JSON.stringify(protoDoc);

  it("has at least 40 own payloads", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c, i) => [i, c.kind, c] as const))("payload %i (%s)", (_i, _kind, c) => {
    const started = Date.now();
    const r = run(c.template, protoDoc);
    if ("output" in c.expect) {
      expect(r.error?.message).toBeUndefined();
      expect(r.output).toBe(c.expect.output);
    } else if ("error" in c.expect) {
      expect(r.error?.pythonClass).toBe(c.expect.error);
    } else {
      expect(r.error?.kind).toBe("limit");
      expect(Date.now() - started).toBeLessThan(5000);
    }
    // no side effect: prototypes, globals, environment and the context data are untouched
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(snapshotGlobals()).toBe(before);
    expect(JSON.stringify(protoDoc)).toBe(dataBefore);
  });

  it.each(vectors.cases.filter((c) => c.security || c.must_refuse).map((c) => [c.id, c] as const))(
    "vector %s is refused like Jinja2",
    (_id, c) => {
      const r = run(c.template, vectors.documents[c.data_name]);
      if (c.must_refuse) expect(["limit", "security"]).toContain(r.error?.kind);
      else if (c.error) expect(r.error?.pythonClass).toBe(c.error);
      else expect(r.output).toBe(c.expected);
      expect(snapshotGlobals()).toBe(before);
    },
  );

  it("refuses absurdly nested templates and data without crashing", () => {
    expect(() => renderJinja("{{ " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + " }}", {})).toThrow(TemplateError);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const err = (() => {
      try {
        renderJinja("{{ deep }}", { deep });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).kind).toBe("limit");
  });

  it("never treats data as a template", () => {
    const data = { payload: "{{ 7*7 }}{% for x in range(10) %}x{% endfor %}", Event: { info: "{{ Event.id }}" } };
    expect(renderJinja("{{ payload }}|{{ Event.info }}", data)).toBe(data.payload + "|{{ Event.id }}");
  });

  it("cannot reach the file system or processes", () => {
    const marker = `/tmp/misp-template-abuse-${process.pid}`;
    const attempts = [
      `{{ "".constructor.constructor("require('fs').writeFileSync('${marker}', 'x')")() }}`,
      `{{ cycler.__init__.__globals__.os.system('touch ${marker}') }}`,
      `{{ range.constructor("process.mainModule.require('child_process').execSync('touch ${marker}')")() }}`,
    ];
    for (const t of attempts) expect(() => renderJinja(t, {})).toThrow(TemplateError);
    expect(existsSync(marker)).toBe(false);
  });
});
