// Plain text shown literally by chat clients and case tools that read Markdown (Discord, Webex,
// TheHive, IRIS): emphasis, code and link characters get a backslash anywhere; heading, quote
// and list markers only at the start of a line, where they take effect. Only for our own
// summary: templates may carry markup on purpose.

export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_~`[\]]/g, "\\$&")
    .replace(/^(\s*)([#>+=-])/gm, "$1\\$2")
    .replace(/^(\s*)(\d+)([.)])/gm, "$1$2\\$3");
}
