/**
 * A regular expression typed into a module parameter (not a PHP "/.../flags" string): PCRE
 * syntax on the text as Unicode, an inline "(?i)" anywhere for case-insensitivity.
 * Compile errors and the matching bound come back as messages naming the parameter.
 */
import { compilePcrePattern, RegexLimitError, RegexSyntaxError, type CompiledRegex } from "./pcre-engine.js";

export interface UserPattern {
  /** Throws Error(message naming the parameter) when the match exceeds its bound. */
  test(subject: string): boolean;
}

export function compileUserPattern(parameter: string, pattern: string): UserPattern {
  let compiled: CompiledRegex;
  try {
    compiled = compilePcrePattern(pattern, { utf: true });
  } catch (e) {
    const reason = e instanceof RegexSyntaxError ? e.message : String(e);
    throw new Error(`parameter "${parameter}": invalid regular expression (${reason})`);
  }
  return {
    test(subject) {
      try {
        return compiled.test(subject);
      } catch (e) {
        if (e instanceof RegexLimitError) throw new Error(`parameter "${parameter}": ${e.message}`);
        throw e;
      }
    },
  };
}
