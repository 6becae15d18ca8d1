/**
 * CakePHP 2.x Hash paths and MISP workflow filters with PHP semantics (docs/protocol.md#hash-paths, docs/protocol.md#filters).
 *
 *   extract(data, "Event._AttributeFlattened.{n}[type=/^ip-/].value")
 */
export { extract, extractStrict, extractCompiled, hashGetPath } from "./extract.js";
export { compilePath, compilePathUncached, type CompiledPath, type PathToken, type KeyMatcher } from "./compile.js";
export { isValidPath, lintPath, formatPathWarning, type PathValidity, type PathWarning } from "./validate.js";
export {
  evaluateFilter,
  evaluateCondition,
  getItemsMatchingCondition,
  filterItemsAsMispSends,
  keptItemsToPhpValue,
  FILTER_OPERATORS,
  type FilterOperator,
  type NodeFilter,
  type KeptItem,
  type FilterEvaluation,
} from "./filters.js";
export { looseCompare, looseEquals, looseInArray, strictIdentical, phpSortValues } from "./loose-compare.js";
export { phpEmpty, phpToBool, phpType, isPhpArray, type PhpType } from "./php-value.js";
export { isNumericString, phpFloatToString, phpFloatToJson } from "./php-numeric.js";
export { normalizeKey, type PhpKey } from "./php-keys.js";
export { PhpFloat, isPhpFloat } from "./php-float.js";
export { parsePhpJson, JsonSyntaxError } from "./php-json-parse.js";
export { phpJsonEncode, toPlainJson, type PhpJsonEncodeOptions } from "./php-json-encode.js";
export { compilePcre, pcreTest, type CompiledPcre } from "./pcre.js";
export { PhpTypeError, type WarningSink } from "./errors.js";
