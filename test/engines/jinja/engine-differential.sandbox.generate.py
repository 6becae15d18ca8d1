#!/usr/bin/env python3
"""Writes engine-differential.sandbox.vectors.json: the sandbox rules of Jinja2's
SandboxedEnvironment as a template sees them (issue 13, part 2).

* unsafe attributes: `x.name`, `x['name']` and `x|attr('name')` for private and dunder names on
  each kind of value, then printing the result, reading an attribute of it, or `|attr` on it
  (Jinja's "unsafe" Undefined prints empty and raises SecurityError only when used further);
* `self`: Jinja's TemplateReference and BlockReference;
* list and dict methods that change the context data (allowed by SandboxedEnvironment).

Rendered by the installed Jinja2 (3.1.6) against the data of engine-differential.vectors.json, a
fresh copy for every case. Usage, from the repository root:
    python3 test/engines/jinja/engine-differential.sandbox.generate.py
"""
import copy
import json
import pathlib

from jinja2.sandbox import SandboxedEnvironment

here = pathlib.Path(__file__).parent
data = json.loads((here / "engine-differential.vectors.json").read_text(encoding="utf-8"))["data"]

VALUES = ["n", "f", "s", "users", "Event", "nothing", "x", "n.__class__", "x.__class__", "range", "(1, 2)",
          "cycler(1)", "namespace(a=1)", "s.upper", "self", "Event.items()", "joiner()", "lipsum",
          "(n|attr('nope'))"]
NAMES = ["__class__", "__mro__", "__add__", "__dict__", "__init__", "_undefined_hint", "__", "mro", "__call__",
         "__getitem__"]
ACCESS = ["({v}).{n}", "({v})['{n}']", "({v})|attr('{n}')"]
FOLLOW = ["{{{{ {e} }}}}", "{{{{ ({e}).foo }}}}", "{{{{ {e}|attr('__class__') }}}}"]

templates = []
for v in VALUES:
    for n in NAMES:
        for a in ACCESS:
            for f in FOLLOW:
                templates.append(f.format(e=a.format(v=v, n=n)))

templates += [
    # |attr on an Undefined: names the Undefined object has give the unsafe Undefined, other dunders
    # a plain one, anything else raises the Undefined's own error.
    "{{ x|attr('__class__') }}", "{{ x|attr('__class__')|attr('__mro__') }}", "{{ x|attr('foo') }}",
    "{{ n|attr('__class__')|attr('foo') }}", "{{ n|attr('__class__')|attr('__name__')|attr('x') }}",
    "{{ (n|attr('__class__')) is defined }}", "{{ n.__class__ ~ 'x' }}", "{{ n.__class__|list }}",
    "{{ n.__class__|default('d') }}", "{{ n.__class__|pprint }}", "{{ n.__class__() }}", "{{ n.__class__ + 1 }}",
    "{{ n.__class__['x'] }}", "{{ x._undefined_hint }}", "{{ x.__add__ }}", "{{ x._fail_with_undefined_error }}",
    "{{ users.__len__ }}", "{{ (users|map(attribute='name')).gi_frame }}", "{{ namespace(a=1)._Namespace__attrs }}",
    "{{ range.__globals__ }}", "{{ range.__globals__.os }}", "{{ dict.mro }}", "{{ dict.mro() }}", "{{ cycler.mro }}",
    "{% macro m() %}{% endmacro %}{{ m._func }}{{ m.__call__ }}{{ m.name }}",
    "{% for i in [1] %}{{ loop._iterator }}{{ loop.__len__ }}{{ loop.index }}{% endfor %}",
    # self
    "{{ self }}", "{{ self is defined }}", "{{ self|string }}", "{{ self|pprint }}", "{{ [self] }}", "{{ self|tojson }}",
    "{% block b %}B{{ 1 }}{% endblock %}|{{ self.b() }}", "{{ self.b() }}{% block b %}x{% endblock %}",
    "{{ self.nope }}", "{{ self.nope() }}", "{{ self.b is defined }}{% block b %}x{% endblock %}",
    "{{ self.nope is defined }}", "{{ self|length }}", "{{ self|list }}", "{{ self ~ 'x' }}", "{{ self is callable }}",
    "{{ self() }}", "{{ self|attr('b') }}{% block b %}x{% endblock %}", "{{ not self }}", "{{ self == self }}",
    "{{ self|e }}", "{{ self|upper }}", "{% set self = 1 %}{{ self }}", "{% for self in [1] %}{{ self }}{% endfor %}",
    "{% macro m() %}{{ self }}{% endmacro %}{{ m() }}",
    "{% block a %}{{ self.b() }}{% endblock %}{% block b %}[{{ v }}]{% endblock %}",
    "{% for v in [1,2] %}{% block c %}{{ v }}{% endblock %}{% endfor %}{{ self.c() }}",
    "{% set v = 3 %}{% block d %}{{ v }}{% endblock %}{{ self.d() }}", "{% block e scoped %}{{ v }}{% endblock %}{{ self.e() }}",
    "{{ self.b(1) }}{% block b %}x{% endblock %}", "{{ self.b(x=1) }}{% block b %}z{% endblock %}",
    "{{ self.b.__call__ }}{% block b %}x{% endblock %}", "{{ self.b.__call__() }}{% block b %}q{% endblock %}",
    "{{ self|attr('nope') }}", "{{ self['nope'] }}", "{{ self[0] }}", "{{ self.b()|length }}{% block b %}xy{% endblock %}",
    "{{ self.b() is string }}{% block b %}xy{% endblock %}", "{{ self.b()|e }}{% block b %}<{% endblock %}",
    "{% autoescape true %}{{ self.b() }}{% endautoescape %}{% block b %}<{% endblock %}",
    "{% autoescape true %}{{ self.b() }}{% endautoescape %}{% block b %}{{ '<' }}{% endblock %}",
    "{% autoescape true %}{% block b %}{{ '<' }}{% endblock %}{% endautoescape %}{{ self.b()|e }}",
    "{{ self.b }}", "{{ n }}{{ self.n }}", "{{ self.Event }}", "{{ self|default('d') }}",
    "{% block r %}{{ self.r() }}{% endblock %}", "{{ self is sameas self }}", "{{ self|count }}",
    "{{ self.b.x }}{% block b %}x{% endblock %}", "{{ self|string|length }}", "{{ self is iterable }}",
    "{{ self.b() }}{% block b %}{% set q = 1 %}{{ q }}{% endblock %}",
    "{% macro m() %}{% block b %}in{% endblock %}{% endmacro %}{{ self.b() }}",
    "{% if false %}{% block b %}hid{% endblock %}{% endif %}{{ self.b() }}",
    "{{ self.b.name }}{% block b %}x{% endblock %}", "{{ self.b.super }}{% block b %}x{% endblock %}",
    "{{ self.b.super() }}{% block b %}x{% endblock %}", "{{ self.b._depth }}{% block b %}x{% endblock %}",
    "{% block b %}{{ self }}{% endblock %}", "{% block b %}{% set self = 2 %}{{ self }}{% endblock %}{{ self }}",
    "{% set self = 2 %}{% block b %}{{ self }}{% endblock %}", "{% with self = 3 %}{{ self }}{% endwith %}{{ self }}",
    "{% macro m(self) %}{{ self }}{% endmacro %}{{ m(4) }}", "{% macro m() %}{{ self.b() }}{% endmacro %}{% block b %}y{% endblock %}{{ m() }}",
    "{% block b required %}{% endblock %}{{ self.b() }}",
    "{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ self.b() }}{% endfor %}{% block b %}{{ x }}{% endblock %}",
    "{{ self.b() }}{% macro mm() %}M{% endmacro %}{% block b %}{{ mm() }}{% endblock %}",
    "{{ self.b is callable }}{% block b %}{% endblock %}", "{{ self.b == self.b }}{% block b %}{% endblock %}",
    "{{ self.b|tojson }}{% block b %}{% endblock %}", "{{ self.b|length }}{% block b %}z{% endblock %}",
    "{% if false %}{% set self = 1 %}{% endif %}{{ self }}", "{% macro m(self) %}{% endmacro %}{{ self }}",
    "{% for self in [1] %}{% endfor %}{{ self }}", "{{ self }}{% set self = 1 %}{{ self }}",
    "{% set x = self %}{% set self = 1 %}{{ x }}{{ self }}", "{% filter upper %}{{ self }}{% endfilter %}",
    "{% macro m() %}{{ caller(1) }}{% endmacro %}{% call(self) m() %}{{ self }}{% endcall %}{{ self }}",
    "{% block b %}{% if false %}{% set self = 1 %}{% endif %}{{ self }}{% endblock %}",
    "{% macro m(a=self) %}{{ a }}{% endmacro %}{{ m() }}", "{% set a, self = 1, 2 %}{{ self }}",
    "{% block outer %}<{% block inner %}i{% endblock %}>{% endblock %}|{{ self.inner() }}|{{ self.outer() }}",
    "{% set ns = namespace(a=1) %}{% block b %}{{ ns.a }}{% endblock %}{% set ns.a = 2 %}{{ self.b() }}",
    "{{ self['_TemplateReference__context'] }}", "{{ self._TemplateReference__context.parent }}",
    "{{ self.b['name'] }}{% block b %}q{% endblock %}", "{% for x in self %}{% endfor %}", "{{ self|join }}",
    "{{ '%s'|format(self) }}", "{{ '{}'.format(self) }}",
    # changing the context data
    "{{ Event.update({'x': 1}) }}{{ Event.x }}", "{{ users.append(1) }}{{ users|length }}{{ users[-1] }}",
    "{{ users.pop() }}{{ users|length }}", "{{ users.pop(0).name }}{{ users|map(attribute='name')|join }}",
    "{% set t = users %}{{ t.append(5) }}{{ users|last }}", "{{ Event.clear() }}{{ Event }}",
    "{{ Event.setdefault('info', 'z') }}{{ Event.setdefault('new', 'z') }}{{ Event.new }}{{ Event|list|last }}",
    "{{ Event.pop('info') }}{{ Event.info }}", "{{ Event.pop('nope', 'dflt') }}", "{{ Event.pop('nope') }}",
    "{{ Event.popitem() }}{{ Event|length }}", "{{ users.extend([1,2]) }}{{ users|length }}",
    "{{ users.extend(users) }}{{ users|length }}", "{{ users.insert(0, 'x') }}{{ users[0] }}",
    "{{ users.insert(-1, 'q') }}{{ users[-2] }}", "{{ users.insert(99, 'q') }}{{ users|last }}",
    "{{ users.remove(users[1]) }}{{ users|length }}", "{{ users.remove(1) }}", "{{ users.reverse() }}{{ users[0].name }}",
    "{{ users[0].roles.sort() }}{{ users[0].roles }}", "{{ users[0].roles.sort(reverse=true) }}{{ users[0].roles }}",
    "{{ users.clear() }}{{ users }}", "{{ users[0].update(name='zed') }}{{ users|map(attribute='name')|join }}",
    "{{ Event.update(x=1) }}{{ Event|list|last }}", "{{ Event.update([('a', 1)]) }}{{ Event.a }}",
    "{{ Event.update({'__proto__': 1}) }}{{ Event['__proto__'] }}", "{{ Event.update({'constructor': 1}) }}{{ Event.constructor }}",
    "{{ Event.Tag.append(Event) }}{{ Event.Tag|length }}",
    "{% for u in users %}{{ users.pop() and '' }}{{ u.name }}{% endfor %}",
    "{% for r in users[0].roles %}{{ users[0].roles.append('x') if loop.index < 3 }}{{ r }}{% endfor %}",
    "{{ users.sort(attribute='name') }}", "{{ users.sort(key=none) }}", "{{ users.sort(1) }}",
    "{{ users[0].roles.sort() or users[0].roles }}", "{{ nested.a.b.update({'c': 'new'}) }}{{ nested.a.b.c }}",
    "{{ users.pop(10) }}", "{% set x = users.append(9) %}{{ x }}{{ users|length }}",
    "{% set l = [3, 1, 2] %}{{ l.sort(reverse=true) }}{{ l }}", "{% set l = [[2, 'b'], [1, 'z'], [2, 'a']] %}{{ l.sort(reverse=true) }}{{ l }}",
    "{% macro k(x) %}{{ -x }}{% endmacro %}{% set l = [3, 1, 2] %}{{ l.sort(key=k) }}{{ l }}",
    "{{ users[0].roles.sort(key=none, reverse=false) }}{{ users[0].roles }}",
    "{% set e = Event %}{{ e.update(Event=none) }}{{ Event.Event }}{{ e is sameas Event }}",
    "{{ Event.Tag.clear() }}{{ Event.Tag }}{{ Event.Tag.extend(['a', 'b']) }}{{ Event.Tag|join }}",
    "{{ Event.pop('Tag')|length }}{{ Event.Tag is defined }}{{ Event.setdefault('Tag', []) }}",
    "{{ nothing.append }}", "{{ s.append }}", "{{ (1, 2).append }}", "{{ users.append() }}", "{{ users.append(1, 2) }}",
    "{{ Event.update(1) }}", "{{ Event.update([1]) }}", "{{ Event.update({}, {}) }}", "{{ Event.pop() }}",
    "{{ Event.popitem(1) }}", "{{ Event.clear(1) }}", "{{ users.reverse(1) }}",
    "{{ Event.update({[1]: 2}) }}",
    # iterators made by |reverse
    "{{ (users|reverse).__iter__ }}",
    "{{ (users|reverse).__iter__.x }}",
    "{{ (users|reverse).__next__.x }}",
    "{{ (users|reverse).__length_hint__.x }}",
    "{{ (users|reverse).__setstate__.x }}",
    "{{ (range(3)|reverse).__iter__.x }}",
    "{{ (Event|reverse).__length_hint__.x }}",
    "{{ (x|reverse).__iter__.x }}",
    "{{ (x|reverse).__length_hint__.x }}",
    "{{ (users|reverse)|attr('__next__') }}",
    "{{ (users|reverse).__class__.x }}",
    "{{ (users|reverse)._x }}",
    # containers inside themselves
    "{{ users.append(users) }}{{ users }}", "{% set l = [1] %}{{ l.append(l) }}{{ l }}{{ [l, l] }}",
    "{% set d = {} %}{{ d.update(a=d) }}{{ d }}", "{{ Event.update(me=Event) }}{{ Event.me.Tag|length }}{{ {'x': Event}|length }}",
    "{% set l = [1] %}{{ l.append((l, 2)) }}{{ l }}", "{% set l = [1] %}{{ l.append(l) }}{{ l|tojson }}",
    "{% set l = [1] %}{{ l.append(l) }}{{ l|string|length }}", "{% set l = [1] %}{{ l.append(l) }}{{ l|length }}{{ l == l }}",
    "{% set d = {} %}{{ d.update(a=d) }}{{ d|tojson }}", "{{ Event.Tag.append(Event.Tag) }}{{ Event.Tag|tojson }}",
]

env = SandboxedEnvironment()
cases = []
for t in templates:
    try:
        outcome = {"expected": env.from_string(t).render(copy.deepcopy(data))}
    except Exception as e:  # the exception class is what the vectors record
        outcome = {"error": type(e).__name__}
    # Memory addresses in reprs differ between runs (the engine prints a fixed one): left out.
    if " at 0x" in outcome.get("expected", ""):
        continue
    cases.append({"template": t, **outcome})

vectors = {
    "description": "Sandbox rules (unsafe attributes, self, changing the context data) rendered by Jinja2 3.1.6 "
    "SandboxedEnvironment (Python 3.11) against `data`; `error` is the Python exception class.",
    "data": data,
    "cases": cases,
}
(here / "engine-differential.sandbox.vectors.json").write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")
print(f"{len(cases)} cases")
