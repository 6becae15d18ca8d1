// Plain text shown literally by chat clients that read Markdown (Discord, Webex): every
// character that could start emphasis, code, a quote, a heading, a list or a link gets a
// backslash. Only for our own summary: templates may carry markup on purpose.

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#[\]()!-]/g, "\\$&").replace(/^(\s*)(\d+)\./gm, "$1$2\\.");
}
