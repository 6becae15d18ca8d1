// |urlize against Jinja2 3.1.6: each expected string below was rendered by Jinja2's
// SandboxedEnvironment (default policies: rel="noopener", no target, no extra schemes).
import { describe, expect, it } from "vitest";
import { renderJinja, TemplateError } from "../../../src/engines/jinja/render.js";

const CASES: Array<[string, Record<string, unknown>, string]> = [
  [
    "{{ t|urlize }}",
    { t: "see https://misp-project.org/features/ and www.circl.lu, or example.com." },
    'see <a href="https://misp-project.org/features/" rel="noopener">https://misp-project.org/features/</a> and <a href="https://www.circl.lu" rel="noopener">www.circl.lu</a>, or <a href="https://example.com" rel="noopener">example.com</a>.',
  ],
  [
    "{{ t|urlize }}",
    { t: "(http://example.org/a_(b)) <https://x.example.net/>" },
    '(<a href="http://example.org/a_(b)" rel="noopener">http://example.org/a_(b)</a>) &lt;<a href="https://x.example.net/" rel="noopener">https://x.example.net/</a>&gt;',
  ],
  [
    "{{ t|urlize }}",
    { t: "mail info@circl.lu or mailto:a.b@example.org or mailto:c@example.org, not @a@b nor x:y@z.com" },
    'mail <a href="mailto:info@circl.lu">info@circl.lu</a> or <a href="mailto:a.b@example.org">a.b@example.org</a> or <a href="mailto:c@example.org">c@example.org</a>, not @a@b nor x:y@z.com',
  ],
  [
    "{{ t|urlize(20, true) }}",
    { t: "https://www.misp-project.org/2024/06/very/long/path?q=1#frag" },
    '<a href="https://www.misp-project.org/2024/06/very/long/path?q=1#frag" rel="nofollow noopener">https://www.misp-pro...</a>',
  ],
  [
    "{{ t|urlize(target='_blank', rel='noreferrer') }}",
    { t: "http://10.0.0.1:8080/x and http://[::1]/ and http://999.1.1.1" },
    '<a href="http://10.0.0.1:8080/x" rel="noopener noreferrer" target="_blank">http://10.0.0.1:8080/x</a> and <a href="http://[::1]/" rel="noopener noreferrer" target="_blank">http://[::1]/</a> and <a href="http://999.1.1.1" rel="noopener noreferrer" target="_blank">http://999.1.1.1</a>',
  ],
  [
    "{{ t|urlize }}",
    { t: '<b>"quoted"</b> & www.exämple.de\nnext\tline http://münchen.de' },
    '&lt;b&gt;&#34;quoted&#34;&lt;/b&gt; &amp; <a href="https://www.exämple.de" rel="noopener">www.exämple.de</a>\nnext\tline <a href="http://münchen.de" rel="noopener">http://münchen.de</a>',
  ],
  [
    "{{ t|urlize(extra_schemes=['ftp://', 'tel:']) }}",
    { t: "ftp://files.example.org/x tel:+3212345 ftp://" },
    '<a href="ftp://files.example.org/x" rel="noopener">ftp://files.example.org/x</a> <a href="tel:+3212345" rel="noopener">tel:+3212345</a> ftp://',
  ],
  [
    "{{ t|urlize }}",
    { t: "plain text 1.2.3 foo.bar evil.com.　x EXAMPLE.ORG/Path" },
    'plain text 1.2.3 foo.bar <a href="https://evil.com" rel="noopener">evil.com</a>.　x <a href="https://EXAMPLE.ORG/Path" rel="noopener">EXAMPLE.ORG/Path</a>',
  ],
  ["{{ 42|urlize }}|{{ none|urlize }}|{{ undefined_var|urlize }}", {}, "42|None|"],
  [
    "{{ t|urlize(rel='a\"b', target='<t>') }}",
    { t: "www.example.org" },
    '<a href="https://www.example.org" rel="a&#34;b noopener" target="&lt;t&gt;">www.example.org</a>',
  ],
];

describe("urlize", () => {
  it.each(CASES)("%s with %j", (template, data, expected) => {
    expect(renderJinja(template, data)).toBe(expected);
  });

  it("refuses an extra scheme that is not a URI scheme prefix, as Jinja does", () => {
    let caught: unknown;
    try {
      renderJinja("{{ t|urlize(extra_schemes=['bad scheme']) }}", { t: "x" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).pythonClass).toBe("FilterArgumentError");
    expect((caught as TemplateError).message).toContain("'bad scheme' is not a valid URI scheme prefix.");
  });
});
