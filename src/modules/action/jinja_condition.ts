import { defineActionModule, ModuleError, param } from "../../sdk/index.js";

// A blocking condition written as a Jinja expression. MISP renders `condition` (and
// `message`) against the roaming data before calling us (docs/protocol.md#jinja-params), so we only read
// the rendered text. Anything but a clear true/false is an error — which blocks too, so a
// broken condition never lets an operation through silently.

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

export default defineActionModule({
  meta: {
    description: "Blocks the operation when a Jinja condition renders to a true value, replying with a templated message.",
    name: "Jinja condition",
    features:
      "condition is rendered by MISP: True/true/1/yes blocks, False/false/0/no lets the operation continue; anything else, " +
      "including an empty rendering (unset, or a template that raised an error), is reported as an error, which blocks. " +
      "MISP needs the Enrichment service to render: when it is disabled, down or too slow, MISP aborts the run before this node is called.",
    input: "Any roaming data.",
    output: "An error with the message (blocks), or success.",
  },
  icon: { name: "code-branch", class: "fas" },
  blocking: true,
  params: {
    condition: param.template({
      multiline: false,
      placeholder: "{{ 'tlp:red' in Event.Tag|map(attribute='name') }}",
      description:
        "Jinja expression rendered by MISP; True/true/1/yes blocks, False/false/0/no passes; empty (unset, or a template error) or anything else blocks with an error.",
    }),
    message: param.template({
      placeholder: "Event {{ Event.id }} is tlp:red and may not be published",
      description: "Error shown to the user when the condition blocks.",
    }),
  },
  handler({ params }) {
    const rendered = params.condition.trim();
    if (rendered === "") {
      // MISP sends "" for an unset field and for a template our renderer refused; when it cannot
      // reach the renderer at all it aborts the run before calling us (WorkflowBaseModule.php:136).
      throw new ModuleError(
        "the condition rendered empty (is it set? did the template raise an error? see the jinja_template_rendering log lines, or try it with misp-modules-ts render)",
      );
    }
    const word = rendered.toLowerCase();
    if (FALSE.has(word)) return;
    if (!TRUE.has(word)) {
      const shown = rendered.length > 80 ? rendered.slice(0, 80) + "…" : rendered;
      throw new ModuleError(
        `the condition rendered ${JSON.stringify(shown)}, which is neither true (True, true, 1, yes) nor false (False, false, 0, no)`,
      );
    }
    throw new ModuleError(params.message.trim() || `blocked: the condition is true`);
  },
});
