// The one error type the engine throws. `pythonClass` names the exception Jinja2 would raise.

export type TemplateErrorKind = "syntax" | "render" | "undefined" | "security" | "limit";

export class TemplateError extends Error {
  readonly kind: TemplateErrorKind;
  readonly pythonClass: string;
  line?: number;
  column?: number;
  constructor(kind: TemplateErrorKind, pythonClass: string, message: string, line?: number, column?: number) {
    super(message);
    this.name = "TemplateError";
    this.kind = kind;
    this.pythonClass = pythonClass;
    this.line = line;
    this.column = column;
  }
}

/** A Python exception raised while rendering (TypeError, ValueError, ...). */
export function pyError(pythonClass: string, message: string): TemplateError {
  const kind = pythonClass === "UndefinedError" ? "undefined" : pythonClass === "SecurityError" ? "security" : "render";
  return new TemplateError(kind, pythonClass, message);
}

export function syntaxError(message: string, line: number, column: number): TemplateError {
  return new TemplateError("syntax", "TemplateSyntaxError", `line ${line}, column ${column}: ${message}`, line, column);
}

export function limitError(pythonClass: string, message: string): TemplateError {
  return new TemplateError("limit", pythonClass, message);
}
