/**
 * Regular expressions that come from users (hash-path conditions, module parameters,
 * settings) run through here, in bounded time: see pcre-engine.ts and docs/hash-paths.md,
 * "Regular expressions".
 */
export {
  compilePcrePattern,
  RegexLimitError,
  RegexSyntaxError,
  setRegexStepLimit,
  regexStepLimit,
  newRegexBudget,
  DEFAULT_STEP_LIMIT,
  type RegexBudget,
  type CompiledRegex,
  type PcreOptions,
} from "./pcre-engine.js";
export { compileUserPattern, type UserPattern } from "./user-pattern.js";
export { globMatch } from "./glob.js";
