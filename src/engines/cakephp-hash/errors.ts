/** Errors that PHP would raise where MISP does not catch them (it only catches Exception). */
export class PhpTypeError extends Error {
  /** The PHP Throwable class, as the vectors' `error_class` names it. */
  readonly phpClass = "TypeError";
  constructor(message: string) {
    super(message);
    this.name = "PhpTypeError";
  }
}

/** Receives PHP warnings that do not stop execution (e.g. an invalid regex). */
export type WarningSink = (message: string) => void;
