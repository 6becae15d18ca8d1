#!/usr/bin/env python3
"""Builds engine-differential.roaming-<doc>.vectors.json: MISP-workflow-style templates (webhook
bodies, chat messages, mail subjects) over the real MISP roaming-data documents of
test/fixtures/jinja-vectors.json, rendered by the installed Jinja2's SandboxedEnvironment (default
settings). One corpus file per document, because the differential test takes one data object per
file. Paths, keys and values are discovered from each document, then combined systematically with
the filters, tests, methods and statements MISP users write; a seeded sample keeps ~300 cases per
document. Deterministic. From the repository root:
    python3 test/engines/jinja/engine-differential.roaming.generate.py [--full --out DIR]
--full keeps every generated template (~10,000 cases, for local fuzzing, not committed) and writes
the files to DIR.
"""
import copy
import json
import pathlib
import random
import re
import sys
import warnings

from jinja2.sandbox import SandboxedEnvironment

warnings.simplefilter("ignore", SyntaxWarning)
ROOT = pathlib.Path(__file__).resolve().parents[3]
FULL = "--full" in sys.argv
OUT = pathlib.Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else pathlib.Path(__file__).resolve().parent
DOCS = json.loads((ROOT / "test/fixtures/jinja-vectors.json").read_text(encoding="utf8"))["documents"]
NAMES = ["red", "white", "mixed", "min", "onion", "sg", "proto"]
PER_DOC = 300
NONDETERMINISTIC = re.compile(r"object at 0x|<function|<built-in|<bound method|<generator|<jinja2\.|<class ")


def ref(base, key):
    """Jinja expression for base.key, falling back to subscript for keys that are no identifiers."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    if key.isidentifier() and not key.startswith("_") or key in ("_AttributeFlattened", "_allTags"):
        return f"{base}.{key}" if base else key
    return f"{base}[{json.dumps(key)}]" if base else None


def walk(value, path, out, depth=0):
    """Collects (path, value) for every node; lists contribute their first, last and an index."""
    if path:
        out.append((path, value))
    if depth > 7:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            p = ref(path, k)
            if p:
                walk(v, p, out, depth + 1)
    elif isinstance(value, list):
        idx = sorted({0, len(value) - 1}) if value else []
        for i in idx:
            walk(value[i], f"{path}[{i}]", out, depth + 1)


def render(template, doc):
    try:
        out = SandboxedEnvironment().from_string(template).render(copy.deepcopy(doc))
    except Exception as e:  # noqa: BLE001 - the class name is the expected result
        return {"template": template, "error": type(e).__name__}
    # Addresses also survive upper/title/escaping and splitting, sorting or reversing the characters:
    # render again while other objects hold the freed addresses, and drop outputs that change.
    if NONDETERMINISTIC.search(out) or re.search(r"at0x[0-9a-f]{6}", re.sub(r"[^0-9a-z]", "", out.lower())):
        return None
    for n in (64, 333, 1500):
        pinned = [{}.get for _ in range(n)]
        again = SandboxedEnvironment().from_string(template).render(copy.deepcopy(doc))
        del pinned
        if again != out:
            return None
    return {"template": template, "expected": out}


def keys_of(items):
    ks = []
    for it in items:
        if isinstance(it, dict):
            for k in it:
                if k not in ks:
                    ks.append(k)
    return ks


def build(name, doc, rng):
    nodes = []
    walk(doc, "", nodes)
    strings = [(p, v) for p, v in nodes if isinstance(v, str)]
    scalars = [(p, v) for p, v in nodes if isinstance(v, (bool, int, float)) or v is None]
    dicts = [(p, v) for p, v in nodes if isinstance(v, dict)]
    lists = [(p, v) for p, v in nodes if isinstance(v, list)]
    dict_lists = [(p, v) for p, v in lists if v and all(isinstance(x, dict) for x in v)]
    str_lists = [(p, v) for p, v in lists if v and all(isinstance(x, str) for x in v)]
    empty_lists = [(p, v) for p, v in lists if not v]
    numeric_strings = [(p, v) for p, v in strings if v.lstrip("-").isdigit()]
    pools = {}

    def add(pool, t):
        pools.setdefault(pool, []).append(t)

    # Printing whole structures, their JSON, their length and their str()
    for p, v in nodes:
        add("print", "{{ %s }}" % p)
        add("print", "{{ %s | tojson }}" % p)
        add("print", "{{ %s | string | length }}|{{ %s is string }}|{{ %s is mapping }}|{{ %s is iterable }}" % (p, p, p, p))
        add("print", "{{ %s | pprint }}" % p)
        add("print", "{{ [%s] }}|{{ (%s, 1) }}|{{ {'k': %s} }}" % (p, p, p))
    for p, v in dicts:
        add("dict", "{% for k, v in " + p + ".items() %}{{ k }}={{ v }};{% endfor %}")
        add("dict", "{% for k, v in " + p + " | dictsort %}{{ k }}={{ v | tojson }}\n{% endfor %}")
        add("dict", "{{ %s | dictsort(by='value') }}" % p)
        add("dict", "{{ %s.keys() | list }}|{{ %s | list | length }}|{{ %s.values() | list | length }}" % (p, p, p))
        add("dict", "{{ %s | length }}|{{ 'id' in %s }}|{{ 'name' in %s }}|{{ %s.get('id', 'none') }}" % (p, p, p, p))
        add("dict", "{{ %s.items() | list }}" % p)
        add("dict", "{{ %s | tojson(indent=2) }}" % p)
        add("dict", "{{ %s | items | map('first') | join(',') }}" % p)
        add("dict", "{{ %s | dictsort(reverse=true) | first }}" % p)
        add("dict", "{{ %s.nope }}|{{ %s.nope is defined }}|{{ %s.nope | default('-') }}|{{ %s['nope'] | default(%s.id, true) }}" % (p, p, p, p, p))
        add("dict", "{{ %s.nope.deeper }}" % p)
        add("dict", "{{ %s | map('upper') | list }}" % p)
        add("dict", "{{ %s | attr('id') }}|{{ %s['id'] }}|{{ %s.id | int + 1 }}" % (p, p, p))
        add("dict", "{{ %s | min }}|{{ %s | max }}|{{ %s | sort | join(' ') }}" % (p, p, p))
    for p, v in dict_lists:
        ks = keys_of(v)
        add("list", "{{ %s | length }}|{{ %s | count }}|{{ %s | first }}" % (p, p, p))
        add("list", "{{ %s | last | tojson }}" % p)
        add("list", "{{ %s[-1] }}|{{ %s[1:] | length }}|{{ %s[99] }}" % (p, p, p))
        add("list", "{{ %s | batch(2) | map('length') | list }}|{{ %s | slice(3) | list | length }}" % (p, p))
        add("list", "{{ %s | reverse | map(attribute='id') | join(',') }}" % p)
        add("list", "{{ {'id': '1'} in %s }}|{{ %s[0] in %s }}|{{ %s[0] == %s[-1] }}" % (p, p, p, p, p))
        add("list", "{{ %s | unique | list | length }}" % p)
        add("list", "{{ %s | groupby('nope') | list }}" % p)
        add("list", "{{ %s | sort(attribute='nope') | map(attribute='id') | join(',') }}" % p)
        add("list", "{% for x in " + p + " %}{{ loop.index }}/{{ loop.length }}{{ ' first' if loop.first }}{{ ' last' if loop.last }}{{ loop.cycle(' odd', ' even') }} {{ x.id | default(loop.index0) }}\n{% endfor %}")
        add("list", "{% for x in " + p + " %}{{ x }}{{ ', ' if not loop.last }}{% else %}none{% endfor %}")
        add("list", "{% for x in " + p + " if x.to_ids %}{{ x.value }} {% else %}no ids{% endfor %}")
        add("list", "{% for x in " + p + " | reverse %}{{ loop.revindex }}:{{ loop.previtem is defined }}{{ loop.nextitem | default({}) | length }} {% endfor %}")
        add("list", "{% set ns = namespace(n=0, names=[]) %}{% for x in " + p + " %}{% set ns.n = ns.n + 1 %}{% set ns.names = ns.names + [x.name | default(x.value) | default('?')] %}{% endfor %}{{ ns.n }} {{ ns.names }}")
        add("list", "{{ %s | map('dictsort') | map('first') | list }}" % p)
        add("list", "{{ %s | map('tojson') | join('\\n') }}" % p)
        add("list", "{{ %s | tojson }}" % p)
        add("list", "{{ %s | map('length') | sum }}|{{ %s | map('list') | map('first') | unique | join(',') }}" % (p, p))
        for k in ks:
            a = "attribute='%s'" % k
            add("attr", "{{ %s | map(%s) | join(', ') }}" % (p, a))
            add("attr", "{{ %s | map(%s) | list }}" % (p, a))
            add("attr", "{{ %s | map(%s, default='-') | join('|') }}" % (p, a))
            add("attr", "{{ %s | selectattr('%s') | list | length }}|{{ %s | rejectattr('%s') | list | length }}" % (p, k, p, k))
            add("attr", "{{ %s | selectattr('%s', 'defined') | map(attribute='%s') | list }}" % (p, k, k))
            add("attr", "{{ %s | selectattr('%s', 'none') | list | length }}|{{ %s | selectattr('%s', 'string') | list | length }}" % (p, k, p, k))
            add("attr", "{{ %s | sort(%s) | map(%s) | join(',') }}" % (p, a, a))
            add("attr", "{{ %s | sort(%s, reverse=true, case_sensitive=true) | map(attribute='id') | list }}" % (p, a))
            add("attr", "{{ %s | unique(%s) | map(%s) | list }}" % (p, a, a))
            add("attr", "{{ %s | min(%s) }}|{{ %s | max(%s) }}" % (p, a, p, a))
            add("attr", "{{ %s | sum(%s) }}" % (p, a))
            add("attr", "{% for g in " + p + " | groupby('" + k + "') %}{{ g.grouper }}: {{ g.list | length }}\n{% endfor %}")
            add("attr", "{% for key, items in " + p + " | groupby('" + k + "', default='none') %}{{ key | tojson }}={{ items | map(attribute='id', default='?') | join('+') }};{% endfor %}")
            add("attr", "{{ %s | groupby('%s') | map(attribute='grouper') | list }}" % (p, k))
            add("attr", "{{ %s | map(%s) | map('string') | map('truncate', 12) | join(' / ') }}" % (p, a))
            add("attr", "{{ %s | map(%s) | select('string') | map('upper') | unique | sort | join(',') }}" % (p, a))
            add("attr", "{{ %s | map(%s) | reject('none') | list | tojson }}" % (p, a))
            add("attr", "{{ %s | map(%s) | map('int', default=-1) | list }}" % (p, a))
            add("attr", "{{ %s | selectattr('%s', 'equalto', %s[0].%s) | list | length }}" % (p, k, p, k) if k.isidentifier() else "{{ 1 }}")
            add("attr", "{{ %s | selectattr('%s', 'in', ['1', '2', 1, true, 'tlp:red']) | map(attribute='%s') | list }}" % (p, k, k))
            add("attr", "{{ %s | rejectattr('%s', 'eq', '') | map(attribute='%s') | first | default('none') }}" % (p, k, k))
            add("attr", "{{ %s | map(%s) | map('lower') | list }}" % (p, a))
            add("attr", "{{ %s | map(%s) | join(',') | replace(',', ' ; ') | truncate(40, true, '…') }}" % (p, a))
            add("attr", "{{ %s[0]['%s'] }}|{{ %s[0].%s | tojson }}|{{ %s[0].get('%s') }}" % (p, k, p, k, p, k) if k.isidentifier() else "{{ 2 }}")
    for p, v in str_lists + empty_lists:
        add("list", "{{ %s | join(', ') }}|{{ %s | length }}|{{ %s | first }}|{{ %s | last }}" % (p, p, p, p))
        add("list", "{{ %s }}|{{ %s | sort | list }}|{{ %s | unique | list }}|{{ %s | map('upper') | list }}" % (p, p, p, p))
        add("list", "{{ %s | min }}|{{ %s | max }}|{{ %s | tojson }}" % (p, p, p))
        add("list", "{% for s in " + p + " %}- {{ s | title }}\n{%- else %}empty{% endfor %}")
        add("list", "{{ %s | sum(start='') }}" % p)
        add("list", "{{ %s | random if false else %s | reverse | list }}" % (p, p))
    for p, v in strings:
        add("str", "{{ %s | upper }}|{{ %s | title }}|{{ %s | capitalize }}|{{ %s | length }}" % (p, p, p, p))
        add("str", "{{ %s.split(':') }}|{{ %s.split('=', 1) | last }}|{{ %s.partition('-') }}" % (p, p, p))
        add("str", "{{ %s.replace('.', '[.]').replace('http', 'hxxp') }}" % p)
        add("str", "{{ %s | truncate(10) }}|{{ %s | truncate(20, true) }}|{{ %s | truncate(5, false, '') }}" % (p, p, p))
        add("str", "{{ %s | center(30) }}|{{ %s | indent(2, true) }}|{{ %s | wordcount }}" % (p, p, p))
        add("str", "{{ '%%-20s|%%5s' | format(%s, %s | length) }}|{{ '{}!{!r}'.format(%s, %s) }}" % (p, p, p, p))
        add("str", "{{ %s | int }}|{{ %s | float }}|{{ %s | int(-1) + 1 }}|{{ %s | int == %s }}" % (p, p, p, p, p))
        add("str", "{{ %s == '1' }}|{{ %s == 1 }}|{{ %s | int == 1 }}|{{ %s > '5' }}|{{ %s ~ 1 }}" % (p, p, p, p, p))
        add("str", "{{ %s < 5 }}" % p)
        add("str", "{{ %s + 1 }}" % p)
        add("str", "{{ %s * 2 }}|{{ %s[::-1] }}|{{ %s[:8] }}|{{ %s[-3:] }}" % (p, p, p, p))
        add("str", "{{ %s.startswith('tlp:') }}|{{ %s.endswith('.onion') }}|{{ 'tlp' in %s }}|{{ %s.find(':') }}|{{ %s.count('a') }}" % (p, p, p, p, p))
        add("str", "{{ %s | list | unique | sort | join }}" % p)
        add("str", "{{ %s | tojson }}|{{ %s | e }}|{{ %s | urlencode }}|{{ %s | striptags }}" % (p, p, p, p))
        add("str", "{{ %s | replace('\"', \"'\") | wordwrap(12) }}" % p)
        add("str", "{{ %s.strip('\"').lower().zfill(12) }}|{{ %s.isdigit() }}|{{ %s.isalpha() }}|{{ %s.split() | length }}" % (p, p, p, p))
        add("str", "{{ %s is number }}|{{ %s is lower }}|{{ %s is upper }}|{{ %s is in ['1', '2'] }}|{{ %s is sameas '1' }}" % (p, p, p, p, p))
        add("str", "{{ %s.rsplit(':', 1)[0] }}|{{ %s.split(':')[1] | default('') }}" % (p, p))
        add("str", "{{ %s[0] }}|{{ %s[100] }}|" % (p, p))
        add("str", "{{ %s.nope }}|{{ %s.upper }}" % (p, p))
        add("str", "{{ %s | format(1, 2) }}" % p)
        add("str", "{{ %s | reverse }}|{{ %s | first }}|{{ %s | last }}|{{ %s | min }}|{{ %s | max }}" % (p, p, p, p, p))
        add("str", "{{ %s.encode }}|{{ %s.format_map({}) }}" % (p, p))
    for p, v in numeric_strings:
        add("num", "{{ %s | int * 2 }}|{{ %s | float / 3 }}|{{ (%s | int) // 7 }}|{{ %s | int %% 3 }}|{{ %s | int ** 2 }}" % (p, p, p, p, p))
        add("num", "{{ %s | int | filesizeformat }}|{{ %s | float | round(2) }}|{{ %s | int | string | length }}" % (p, p, p))
        add("num", "{{ range(%s | int %% 5) | list }}|{{ %s in ['1', '2', '3', '4'] }}|{{ %s | int in [1, 2, 3, 4] }}" % (p, p, p))
        add("num", "{{ '%%05d' %% (%s | int) }}|{{ '%%.2f' %% (%s | float) }}|{{ '%%s' %% %s }}|{{ '{:>8}'.format(%s) }}" % (p, p, p, p))
        add("num", "{{ %s | int | abs }}|{{ %s | int is divisibleby 2 }}|{{ %s | int is odd }}|{{ %s is even }}" % (p, p, p, p))
    for p, v in scalars:
        add("scalar", "{{ %s }}|{{ %s | string }}|{{ %s | tojson }}|{{ %s | int }}|{{ %s is none }}|{{ %s is boolean }}" % (p, p, p, p, p, p))
        add("scalar", "{{ 'yes' if %s else 'no' }}|{{ %s | default('dflt') }}|{{ %s | default('dflt', true) }}|{{ not %s }}" % (p, p, p, p))
        add("scalar", "{{ %s == 0 }}|{{ %s == false }}|{{ %s is sameas false }}|{{ %s is false }}|{{ %s | lower }}" % (p, p, p, p, p))
        add("scalar", "{{ %s + 1 }}" % p)
        add("scalar", "{{ %s ~ '' }}|{{ [%s, %s] | unique | list }}|{{ %s | pprint }}" % (p, p, p, p))
    # Random filter chains over any path: the combinations nobody thought of
    chain_filters = [
        "list", "first", "last", "length", "string", "tojson", "unique | list", "sort", "reverse | list", "join(',')",
        "map('string') | list", "select | list", "reject | list", "dictsort", "items | list", "min", "max", "sum",
        "int", "float", "lower", "upper", "title", "trim", "truncate(9)", "wordcount", "e", "pprint", "default('D')",
        "default('D', true)", "batch(2) | list", "slice(2) | list", "map(attribute='name') | list", "map(attribute='0') | list",
        "selectattr('id') | list", "groupby('id') | list", "attr('id')", "attr('items')", "count", "abs", "round",
        "center(5)", "replace(':', '-')", "split(':')", "format", "list | map('length') | list", "random if false else 1",
    ]
    all_paths = [p for p, _ in nodes] + ["Event.nope", "nope", "Event.Attribute[50]"]
    for _ in range(400 if not FULL else 6000):
        p = rng.choice(all_paths)
        chain = " | ".join(rng.choice(chain_filters) for _ in range(rng.randint(1, 3)))
        add("chain", "{{ %s | %s }}" % (p, chain))
    # MISP workflow templates: messages, mail subjects, webhook bodies
    ev = "Event"
    wf = [
        "[MISP] {{ Event.info | truncate(50) }} (#{{ Event.id }}) - TLP: {{ Event.Tag | default([]) | map(attribute='name') | select('match', 'tlp:') | join(', ') | default('none', true) }}",
        "{% for a in Event.Attribute | default([]) if a.to_ids %}{{ a.type }}: {{ a.value }}\n{% endfor %}",
        "{%- for a in Event._AttributeFlattened | default([]) -%}\n  {{- a.category }} / {{ a.type }} = {{ a.value -}}\n  {%- if not loop.last %}, {% endif -%}\n{%- endfor %}",
        "{\"event\": {{ Event.id | tojson }}, \"iocs\": {{ Event._AttributeFlattened | default([]) | selectattr('to_ids') | map(attribute='value') | list | tojson }}}",
        "{{ Event | tojson }}",
        "{{ Event.Attribute | default([]) | groupby('category') | map(attribute='grouper') | join(' | ') }}",
        "{% for cat, attrs in Event._AttributeFlattened | default([]) | groupby('category') %}## {{ cat }} ({{ attrs | length }})\n{% for a in attrs | sort(attribute='type') %}- {{ a.type }}: `{{ a.value }}`{% if a.comment %} ({{ a.comment }}){% endif %}\n{% endfor %}{% endfor %}",
        "{% set tags = Event.Tag | default([]) | map(attribute='name') | list %}{% if 'tlp:red' in tags %}RED{% elif 'tlp:amber' in tags or 'tlp:amber+strict' in tags %}AMBER{% elif tags | select('search', 'white|clear') | list %}CLEAR{% else %}UNKNOWN{% endif %}",
        "{% macro ioc(a, defang=true) -%}{{ a.value | replace('.', '[.]') if defang else a.value }}{%- endmacro %}{% for a in Event._AttributeFlattened | default([]) %}{{ ioc(a) }} {{ ioc(a, defang=false) }}\n{% endfor %}",
        "{% macro tagline(t) %}<span style=\"color:{{ t.colour }}\">{{ t.name | e }}</span>{% endmacro %}{{ Event.Tag | default([]) | map(attribute='name') | join(' ') }}\n{% for t in Event.Tag | default([]) %}{{ tagline(t) }}{% endfor %}",
        "{% set ns = namespace(ids=0, noids=0) %}{% for a in Event._AttributeFlattened | default([]) %}{% if a.to_ids %}{% set ns.ids = ns.ids + 1 %}{% else %}{% set ns.noids = ns.noids + 1 %}{% endif %}{% endfor %}{{ ns.ids }} IDS / {{ ns.noids }} other / {{ Event.attribute_count }} declared / {{ ns.ids + ns.noids == Event.attribute_count | int }}",
        "{{ Event.Object | default([]) | map(attribute='name') | list }}|{% for o in Event.Object | default([]) %}{{ o.name }}[{{ o.Attribute | default([]) | map(attribute='object_relation') | join(',') }}] {% endfor %}",
        "{% for o in Event.Object | default([]) %}{% for a in o.Attribute %}{{ o.name }}.{{ a.object_relation }}={{ a.value }}{{ '\\n' if not loop.last }}{% endfor %}{% endfor %}",
        "{% for g in Event.Galaxy | default([]) %}{{ g.name }}: {% for c in g.GalaxyCluster | default([]) %}{{ c.value }} {{ c.meta | default({}) }}{% endfor %}\n{% endfor %}",
        "{% for g in Event.Galaxy | default([]) %}{% for c in g.GalaxyCluster %}{{ c.meta.synonyms | default([]) | join(', ') }}|{{ c.meta.get('country', ['?']) | first }}|{{ c.meta | dictsort | map('first') | join(',') }}{% endfor %}{% endfor %}",
        "{{ Event.Orgc.name | default('?') }} published={{ Event.published }} distribution={{ Event.distribution }} {{ ['Your org', 'This community', 'Connected', 'All', 'Sharing group'][Event.distribution | int] | default('Inherit') }}",
        "{{ {'1': 'High', '2': 'Medium', '3': 'Low', '4': 'Undefined'}[Event.threat_level_id] | default('?') }}",
        "{{ {'1': 'High', '2': 'Medium', '3': 'Low', '4': 'Undefined'}.get(Event.threat_level_id | int, 'n/a') }}",
        "{{ Event.threat_level_id in ['1', '2'] }}|{{ Event.threat_level_id in [1, 2] }}|{{ Event.threat_level_id | int < 3 }}|{{ Event.threat_level_id < '3' }}",
        "{{ Event.SharingGroup | default({}) }}|{{ Event.SharingGroup.name | default('no sharing group') }}",
        "{{ Event.RelatedEvent | default([]) | map(attribute='Event') | map(attribute='info') | list }}",
        "{{ Event.Attribute | default([]) | map(attribute='Tag') | reject('undefined') | map('length') | list }}",
        "{{ Event.Attribute | default([]) | map(attribute='Tag', default=[]) | sum(start=[]) | map(attribute='name') | unique | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='_allTags') | map('selectattr', 'inherited') | map('list') | map('length') | list }}",
        "{{ Event._AttributeFlattened | default([]) | selectattr('Tag', 'defined') | map(attribute='Tag') | map('map', attribute='name') | map('join', '+') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='first_seen') | map('default', 'never', true) | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='value') | map('length') | max }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='timestamp') | map('int') | max | default(0) }}",
        "{{ Event.Attribute | default([]) | map(attribute='value') | select('search', '^\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+$') | list }}",
        "{{ Event.Attribute | default([]) | map(attribute='value') | map('regex_replace', 'x', 'y') | list }}",
        "{{ Event.info | wordwrap(20) }}\n{{ Event.info | center(80) | trim }}\n{{ Event.info | title | truncate(30) }}",
        "{{ Event.info | replace(' ', '_') | lower | urlencode }}|{{ Event.info | e }}|{{ Event.info | forceescape }}",
        "{{ Event.date.split('-') | map('int') | list }}|{{ Event.date[:4] | int + 1 }}|{{ Event.date | replace('-', '/') }}",
        "{{ Event.uuid.split('-') | map('length') | list }}|{{ Event.uuid | upper }}|{{ Event.uuid[:8] }}",
        "{{ Event.timestamp | int // 86400 }}|{{ Event.timestamp | int is number }}|{{ Event.timestamp is number }}",
        "{{ Event.keys() | list }}",
        "{{ Event | dictsort | map('first') | join(',') }}",
        "{{ Event | list | select('upper') | list }}|{{ Event | select('istitle') | list }}",
        "{{ Event.items() | selectattr('1', 'string') | map('first') | list }}",
        "{{ Event | length }}|{{ Event.Attribute | length }}|{{ Event._AttributeFlattened | length }}",
        "{{ Event.Attribute | default([]) | map(attribute='to_ids') | list }}|{{ Event.Attribute | default([]) | map(attribute='to_ids') | sum }}",
        "{{ Event.Attribute | default([]) | map(attribute='category') | unique | list | sort }}",
        "{{ Event.Attribute | default([]) | map(attribute='category') | unique(case_sensitive=true) | list }}",
        "{{ Event.Attribute | default([]) | map(attribute='type') | list | groupby('0') | list | length }}",
        "{{ Event.Attribute | default([]) | dictsort }}",
        "{{ Event.Attribute | default([]) | sort }}",
        "{{ Event.Tag | default([]) | sort(attribute='name,id') | map(attribute='name') | list }}",
        "{{ Event.Tag | default([]) | sort(attribute='local,name') | map(attribute='name') | join }}",
        "{{ Event.Tag | default([]) | selectattr('local') | list }}|{{ Event.Tag | default([]) | selectattr('local', 'false') | list | length }}",
        "{{ Event.Tag | default([]) | map(attribute='name') | map('split', ':') | map('first') | unique | list }}",
        "{{ Event.Tag | default([]) | map(attribute='name') | select('startingwith', 'misp-galaxy') | list }}",
        "{{ Event.Tag | default([]) | map(attribute='name') | map('replace', '\"', '') | list }}",
        "{{ Event.Tag | default([]) | map(attribute='name') | list | string }}",
        "{{ Event.Tag | default([]) | items }}",
        "{{ Event.Tag[0].name.split('=')[1] | default('') | trim('\"') }}",
        "{{ Event.Tag | default([]) | map(attribute='colour') | map('lower') | unique | sort(reverse=true) | list }}",
        "{{ Event.Tag | default([]) | map(attribute='id') | map('int') | sort | list }}|{{ Event.Tag | default([]) | map(attribute='id') | sort | list }}",
        "{{ Event.Tag | default([]) | map(attribute='id') | max }}|{{ Event.Tag | default([]) | map(attribute='id') | map('int') | max }}",
        "{{ Event.Tag | default([]) | map(attribute='id') | sum }}",
        "{{ Event.Tag | default([]) | map(attribute='id') | map('int') | sum }}|{{ Event.Tag | default([]) | sum(attribute='id') }}",
        "{% for a in Event.Attribute %}\n- {{ a.value }}\n{% endfor %}",
        "{% for a in Event.Attribute -%}\n  * {{ a.value }}\n{% endfor -%}\nend",
        "{%- if Event.published -%}\n  published\n{%- else -%}\n  draft\n{%- endif %}",
        "  {% if true %}\n    x\n  {% endif %}\n",
        "{% for a in Event._AttributeFlattened %}{% if loop.index > 3 %}{% break %}{% endif %}{{ a.value }} {% endfor %}",
        "{% for a in Event._AttributeFlattened | batch(3, '-') %}{{ a | map(attribute='id', default='-') | join(',') }}\n{% endfor %}",
        "{% for a in Event._AttributeFlattened | default([]) %}{{ loop.changed(a.category) }},{% endfor %}",
        "{% with n = Event.Attribute | default([]) | length %}{{ n }} attribute{{ 's' if n != 1 }}{% endwith %}",
        "{% set a = Event.Attribute | default([{}]) | first %}{{ a }}\n{{ a.value | default('none') }} {{ a.Tag | default([]) | length }}",
        "{% set d = Event.Attribute | default([{}]) | first %}{% for k in d | sort %}{{ k }}:{{ d[k] | string | length }} {% endfor %}",
        "{% set d = {} %}{% for a in Event._AttributeFlattened | default([]) %}{% set _ = d.update({a.type: d.get(a.type, 0) + 1}) %}{% endfor %}{{ d }}|{{ d | dictsort(by='value', reverse=true) }}",
        "{% set out = [] %}{% for t in Event.Tag | default([]) %}{% do out.append(t.name) %}{% endfor %}{{ out }}",
        "{% set seen = [] %}{% for a in Event._AttributeFlattened | default([]) if a.type not in seen %}{{ seen.append(a.type) or '' }}{% endfor %}{{ seen | join(',') }}",
        "{{ Event.Attribute | default([]) | map(attribute='value') | map('truncate', 10, true, '...', 0) | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='comment') | select | list | tojson }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='comment') | map('default', 'n/a', true) | join(';') }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='object_relation') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='object_relation') | reject('none') | unique | list }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='object_relation') | map(attribute='id') | list }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='first_seen') | map(attribute='id') | list }}",
        "{{ Event._AttributeFlattened | default([]) | groupby('object_relation') | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | groupby('first_seen') | map(attribute='grouper') | list }}",
        "{{ Event._AttributeFlattened | default([]) | groupby('to_ids') | map(attribute='grouper') | list }}",
        "{{ Event._AttributeFlattened | default([]) | groupby('Tag') | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | unique(attribute='Tag') | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='Tag') | unique | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | min(attribute='first_seen') }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='Tag', reverse=true, case_sensitive=true) | map(attribute='id') | list }}",
        "{{ Event.Attribute | default([]) | sort(attribute='Tag', reverse=true) | map(attribute='id') | list }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='first_seen', reverse=true) | map(attribute='id') | list }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='Sighting', reverse=true) | map(attribute='id') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='Tag') | sort(reverse=true) | map('length') | list }}",
        "{{ Event | dictsort(by='value', reverse=true) | map('first') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='object_relation') | sort(reverse=true) | list }}",
        "{{ Event._AttributeFlattened | default([]) | max(attribute='value', case_sensitive=true) | attr('value') }}",
        "{{ Event._AttributeFlattened | default([]) | selectattr('object_id', '==', '0') | list | length }}|{{ Event._AttributeFlattened | default([]) | selectattr('object_id', '==', 0) | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | selectattr('object_id', 'gt', '0') | map(attribute='value') | list }}",
        "{{ Event._AttributeFlattened | default([]) | selectattr('distribution', 'lt', 3) | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | selectattr('to_ids', 'sameas', true) | list | length }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='value') | map('wordcount') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='value') | map('format') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='value') | map('center', 3) | join('|') }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='Tag.0.name') | list }}",
        "{{ Event._AttributeFlattened | default([]) | map(attribute='_allTags.0.name') | unique | list }}",
        "{{ Event._AttributeFlattened | default([]) | sort(attribute='_allTags.0.id') | map(attribute='id') | list }}",
        "{{ Event.Attribute.0.value }}|{{ Event.Attribute['0'] }}|{{ Event['Attribute'][0]['value'] }}",
        "{{ Event.Attribute[0].Tag[0] }}",
        "{{ Event.Attribute[-1]._allTags[-1] | pprint }}",
        "{{ Event['Orgc'] }}|{{ Event.Orgc['name'] }}|{{ Event.get('Orgc') }}|{{ Event.get('nope') }}",
        "{{ Event.Orgc.items() | list }}|{{ Event.Orgc | dictsort(true) }}|{{ Event.Orgc.values() | list }}",
        "{{ Event.Orgc | string }}|{{ Event.Orgc ~ '' }}|{{ Event.Orgc | length }}",
        "{{ Event.Orgc | tojson | length }}|{{ (Event.Orgc | tojson)[:10] }}",
        "{{ Event.nope }}|{{ Event.nope | length }}|{{ Event.nope | list }}|{{ Event.nope | tojson }}",
        "{{ Event.nope | join(',') }}|{{ Event.nope | default([]) | join(',') }}",
        "{% for x in Event.nope %}{{ x }}{% else %}empty{% endfor %}",
        "{{ Event.nope.id }}",
        "{{ Event.nope() }}",
        "{{ Event.nope + 1 }}",
        "{{ Event.nope ~ 'x' }}|{{ Event.nope is undefined }}|{{ Event.nope == none }}|{{ not Event.nope }}",
        "{{ Event.Attribute | map(attribute='nope') | list }}|{{ Event.Attribute | map(attribute='nope') | join(',') }}",
        "{{ Event.Attribute | map(attribute='nope') | map('upper') | list }}",
        "{{ Event.Attribute | selectattr('nope', 'equalto', 'x') | list }}",
        "{{ Event.Attribute | sum(attribute='nope') }}",
        "{{ Event.Attribute | map(attribute='nope') | sum }}",
        "{{ Event.Attribute[0].nope[0] }}",
        "{{ Event.Attribute[0].value[0:3] ~ Event.Attribute[0].value[-3:] }}",
        "{{ Event.Attribute | join(', ') }}",
        "{{ Event.Attribute | first | dictsort | map('last') | map('string') | map('length') | list }}",
        "{{ Event.Attribute | map('items') | map('list') | map('length') | list }}",
        "{{ Event.Attribute | map(attribute='items') | list | length }}",
        "{{ Event.Attribute | map(attribute='keys') | map('string') | first | truncate(20) }}",
        "{{ Event.Attribute | selectattr('value', 'in', Event.info) | list | length }}",
        "{{ Event.Tag | map(attribute='name') | select('in', ['tlp:red', 'tlp:white', 'tlp:clear', 'tlp:green']) | list }}",
        "{{ 'tlp:red' in Event.Tag | map(attribute='name') }}|{{ 'tlp:red' in Event.Tag | map(attribute='name') | list }}",
        "{{ {'name': 'tlp:red'} in Event.Tag }}|{{ Event.Tag[0] in Event.Tag }}|{{ Event.Tag[0] | dictsort in Event.Tag | map('dictsort') | list }}",
        "{{ Event.Tag[0] == Event.Attribute[0]._allTags[0] }}|{{ Event.Tag[0] | tojson == Event.Attribute[0]._allTags[0] | tojson }}",
        "{{ Event.Tag | map(attribute='name') | map('regex_search', 'tlp:(\\\\w+)') | list }}",
        "{{ Event.Tag | map(attribute='name') | map('replace', 'tlp:', '') | map('upper') | join('/') }}",
        "{{ Event.Tag | map(attribute='name') | select('match', '^tlp:') | map('split', ':') | map('last') | first | upper }}",
        "{{ Event.Tag | tojson(indent=1) }}",
        "{{ Event.Tag | map(attribute='name') | map('tojson') | join(', ') }}",
        "{{ Event.Tag | map(attribute='name') | list | tojson }}",
        "{{ Event.Tag | map(attribute='name') | list | pprint }}",
        "{{ Event.Tag | map(attribute='name') | map('string') | map('e') | join('<br>') }}",
        "{{ Event.Tag | map(attribute='name') | join('\\n') | indent(4) }}",
        "{{ Event.Tag | map(attribute='name') | map('length') | list }}|{{ Event.Tag | map(attribute='name') | map('length') | sum / (Event.Tag | length) }}",
        "{{ Event.Tag | map(attribute='name') | map('truncate', 9, true, '') | list }}",
        "{{ Event.Tag | map(attribute='name') | map('slice', 2) | map('list') | first }}",
        "{{ Event.Tag | map(attribute='name') | batch(2) | list }}",
        "{{ Event.Tag | map(attribute='name') | map('title') | list }}|{{ Event.Tag | map(attribute='name') | map('capitalize') | list }}",
        "{{ Event.Tag | map(attribute='name') | map('center', 20) | list }}",
        "{{ Event.Tag | map(attribute='name') | map('format') | list }}",
        "{{ '%s has %d tags: %s' % (Event.info, Event.Tag | length, Event.Tag | map(attribute='name') | join(', ')) }}",
        "{{ '%(info)s / %(id)s' % Event }}",
        "{{ '{0[info]} {0[id]}'.format(Event) }}|{{ '{info}-{date}'.format(**Event) }}",
        "{{ '{e[Orgc][name]}'.format(e=Event) }}",
        "{{ '%r' % Event.Orgc }}|{{ '%s' % [Event.id] }}",
        "{{ Event.info ~ ' ' ~ Event.Attribute | length ~ ' ' ~ Event.published }}",
        "{{ Event.published ~ '' }}|{{ Event.published | string | lower }}|{{ Event.published | tojson }}|{{ Event.published | int }}",
        "{{ Event.protected }}|{{ Event.protected | tojson }}|{{ Event.protected | default('unset') }}|{{ Event.protected | default('unset', true) }}",
        "{{ Event.Attribute | map(attribute='first_seen') | map('tojson') | list }}",
        "{{ Event.Attribute | map(attribute='first_seen') | list }}",
        "{{ Event.Attribute | selectattr('first_seen') | map(attribute='first_seen') | map('truncate', 13, true, '') | list }}",
        "{{ [Event.Attribute | length, Event.Object | default([]) | length, Event.Tag | default([]) | length] }}",
        "{{ Event.Attribute | length + Event.Object | default([]) | map(attribute='Attribute') | map('length') | sum }}|{{ Event._AttributeFlattened | length }}",
        "{{ Event.Object | default([]) | map(attribute='Attribute') | sum(start=[]) | map(attribute='value') | list }}",
        "{{ Event.Object | default([]) | map(attribute='meta-category') | list }}|{{ Event.Object[0]['meta-category'] | default('-') }}",
        "{{ Event.Object | default([]) | map(attribute='template_version') | list }}",
        "{{ Event.Object | default([]) | first | dictsort | map('first') | join(',') }}",
        "{{ Event.Object[0] | default({}) | dictsort | selectattr('1', 'string') | map('first') | list }}",
        "{{ Event.Object[0].Attribute | default([]) | map(attribute='value') | map('truncate', 30) | list }}",
        "{{ Event.Attribute | map(attribute='Sighting') | select('defined') | map('length') | list }}",
        "{{ Event.Attribute | selectattr('Sighting', 'defined') | map(attribute='Sighting') | first | default([]) | tojson }}",
        "{{ Event.RelatedEvent | default([]) | tojson }}",
        "{{ Event | dictsort | selectattr('1', 'mapping') | map('first') | list }}",
        "{{ Event | dictsort | selectattr('1', 'sequence') | map('first') | list }}",
        "{{ Event | dictsort | selectattr('1', 'number') | map('first') | list }}",
        "{{ Event | dictsort | selectattr('1', 'none') | map('first') | list }}",
        "{{ Event | dictsort | selectattr('1', 'boolean') | list }}",
        "{{ Event | dictsort | selectattr('1', 'string') | map('last') | map('length') | list }}",
        "{{ Event | items | map('last') | map('string') | map('truncate', 10) | list }}",
        "{{ Event.info is string }} {{ Event.id is number }} {{ Event.Attribute is sequence }} {{ Event.Attribute is iterable }} {{ Event.Orgc is mapping }} {{ Event is mapping }}",
        "{{ Event.info is defined and Event.info is not none }}|{{ Event.Attribute is not string }}|{{ Event.id is string }}",
        "{{ Event.Attribute is defined and Event.Attribute | length > 0 }}|{{ Event.Attribute | length is divisibleby 2 }}",
        "{{ Event.id | int is eq 1206 }}|{{ Event.id is eq '1206' }}|{{ Event.id is ne 1206 }}|{{ Event.id | int is ge 1000 }}",
        "{{ Event.id | int > Event.attribute_count | int }}|{{ Event.id > Event.attribute_count }}|{{ [Event.id, Event.attribute_count] | max }}|{{ [Event.id | int, Event.attribute_count | int] | max }}",
        "{{ Event.id | int + Event.attribute_count | int }}|{{ Event.id ~ Event.attribute_count }}|{{ Event.id + Event.attribute_count }}",
        "{{ Event.id * 2 }}|{{ Event.id | int * 2 }}",
        "{{ Event.id - 1 }}",
        "{{ Event.id / 2 }}",
        "{{ Event.id | float }}|{{ Event.id | float | int }}|{{ (Event.id | float) / 3 | round(2) }}|{{ ((Event.id | float) / 3) | round(2) }}",
        "{{ '%.1f%%' % ((Event._AttributeFlattened | selectattr('to_ids') | list | length) / (Event._AttributeFlattened | length | default(1) or 1) * 100) }}",
        "{{ (Event._AttributeFlattened | selectattr('to_ids') | list | length) / (Event._AttributeFlattened | length) }}",
        "{{ range(Event.Tag | default([]) | length) | list }}|{{ range(Event.attribute_count | int) | list | length }}",
        "{{ Event.Attribute | map(attribute='value') | list | random if false else 'no random' }}",
        "{{ Event.info | replace('a', 'A', 2) }}|{{ Event.info.replace('a', 'A', 1) }}|{{ Event.info.split(None, 2) }}",
        "{{ Event.info.splitlines() }}|{{ Event.info.casefold() }}|{{ Event.info.swapcase() }}|{{ Event.info.center(60, '*') }}",
        "{{ Event.info.ljust(70, '.') }}|{{ Event.info.rjust(70) }}|{{ Event.info.expandtabs() }}|{{ Event.info.title() }}",
        "{{ Event.info.index('a') }}|{{ Event.info.rfind('a') }}|{{ Event.info.rindex(' ') }}",
        "{{ Event.info.index('ZZZ') }}",
        "{{ Event.info | list | length }}|{{ Event.info | batch(10) | map('join') | list }}",
        "{{ Event.info | slice(3) | map('join') | list }}",
        "{{ Event.info.join(['<', '>']) }}|{{ ' | '.join(Event.Tag | default([]) | map(attribute='name')) }}",
        "{{ ', '.join(Event.Tag) }}",
        "{{ Event.info | truncate(1) }}|{{ Event.info | truncate(3) }}|{{ Event.info | truncate(len) }}",
        "{{ Event.info | truncate(Event.info | length - 1) }}|{{ Event.info | truncate(Event.info | length + 5) }}|{{ Event.info | truncate(Event.info | length - 6) }}",
        "{{ Event.info | wordwrap(10, false) }}|{{ Event.info | wordwrap(5, true, '\\n> ') }}",
        "{{ Event.info | urlize }}|{{ Event.Attribute | map(attribute='value') | map('urlize') | join(' ') }}",
        "{{ Event.Attribute | map(attribute='value') | map('urlize', 15) | list }}",
        "{{ Event.Attribute | map(attribute='value') | map('urlencode') | join('&') }}",
        "{{ {'event': Event.id, 'info': Event.info} | urlencode }}|{{ {'tags': Event.Tag | default([]) | length} | tojson }}",
        "{{ dict(id=Event.id, n=Event.Attribute | length) }}|{{ dict(Event.Orgc, extra=1) }}|{{ dict(Event.Orgc) == Event.Orgc }}",
        "{{ Event.Orgc | dictsort | list }}|{{ dict(Event.Orgc | dictsort) }}",
        "{{ Event.Orgc.update }}",
        "{{ Event.Tag.append }}",
        "{% set d = {} %}{% do d.update(Event.SharingGroup) %}{{ d | length }}",
        "{% set d = {'a': 1} %}{% do d.update(Event.Tag | default([]) | map(attribute='name') | map('split', ':', 1) | select('length', 2) | list) %}{{ d }}",
        "{{ dict(Event.Tag | default([]) | map(attribute='name') | map('split', ':', 1) | list) }}",
        "{{ Event.Orgc.copy() }}|{{ Event.Tag.copy() | length }}|{{ Event.Tag.index(Event.Tag[0]) }}|{{ Event.Tag.count(Event.Tag[0]) }}",
        "{{ Event.Orgc.__class__ }}",
        "{{ Event.Orgc.__class__.__mro__ }}",
        "{{ Event.info.__class__.__name__ }}",
        "{{ Event.items }}",
        "{{ Event.info if Event.nope else Event.Attribute | map(attribute='value') | list | defang }}",
        "{{ Event.info if Event.nope else Event.nope.x | defang }}",
        "{{ Event.info if Event.nope else Event.info | defang(Event.nope.x) }}",
        "{% if Event.Tag | default([]) | first is tlp_red %}red{% endif %}",
        "{% if Event.Tag[99].name is tlp_red %}red{% endif %}",
        "{{ Event.Attribute[0].items }}",
    ]
    for t in wf:
        add("wf", t)
    # Left out: mutating the context data (Event.Tag.append(...)) is a documented SecurityError here.
    # Cases are sampled per pool so that each pool keeps its share of the corpus
    quota = {"print": 20, "dict": 14, "list": 18, "attr": 34, "str": 20, "num": 8, "scalar": 10, "chain": 14, "wf": 1000}
    cases, seen = [], set()
    for pool in ["wf", "print", "dict", "list", "attr", "str", "num", "scalar", "chain"]:
        items = [t for t in dict.fromkeys(pools.get(pool, []))]
        if pool != "wf" and not FULL:
            items = rng.sample(items, min(quota[pool], len(items)))
        for t in items:
            if t in seen:
                continue
            seen.add(t)
            c = render(t, doc)
            if c is not None:
                cases.append(c)
    return cases


def main():
    total = 0
    for name in NAMES:
        rng = random.Random(f"roaming-{name}-20261122")
        doc = DOCS[name]
        cases = build(name, doc, rng)
        total += len(cases)
        corpus = {
            "description": f"Differential vectors over the MISP roaming-data document '{name}' of test/fixtures/jinja-vectors.json: MISP workflow-style templates rendered by Jinja2 SandboxedEnvironment (default settings); `error` is the Python exception class. Generated by engine-differential.roaming.generate.py.",
            "data": doc,
            "cases": cases,
        }
        path = OUT / f"engine-differential.roaming-{name}.vectors.json"
        path.write_text(json.dumps(corpus, ensure_ascii=False, indent=0) + "\n", encoding="utf8")
        print(f"{path.name}: {len(cases)} cases, {sum('error' in c for c in cases)} errors")
    print("total", total)


if __name__ == "__main__":
    main()
