// Collects rule violations into the line-oriented message a blocking module replies with:
// MISP shows it to the user whose operation was refused (docs/protocol.md#action-reply).

const MAX_EXAMPLES = 5;

export class Violations {
  private readonly lines: string[] = [];

  /** Adds a rule's failure, with up to five offending values. */
  add(rule: string, offending: string[] = []): void {
    if (offending.length === 0) {
      this.lines.push(`- ${rule}`);
      return;
    }
    const shown = offending.slice(0, MAX_EXAMPLES).join(", ");
    const more = offending.length > MAX_EXAMPLES ? ` and ${offending.length - MAX_EXAMPLES} more` : "";
    this.lines.push(`- ${rule}: ${shown}${more}`);
  }

  get count(): number {
    return this.lines.length;
  }

  /** "<headline> (N rules failed):\n- ...\n- ..." */
  message(headline: string): string {
    return `${headline} (${this.count} rule${this.count === 1 ? "" : "s"} failed):\n${this.lines.join("\n")}`;
  }
}
