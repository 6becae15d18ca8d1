/**
 * A PHP float whose value is integral (1.0, -0.0, 1e3). JavaScript numbers cannot tell
 * 1.0 from 1, but PHP keeps the type and json_encode prints "1.0"; the order-preserving
 * parser wraps such literals so results re-encode exactly as MISP would send them.
 * Non-integral numbers (2.5) are unambiguous and stay plain numbers.
 */
export class PhpFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

export function isPhpFloat(value: unknown): value is PhpFloat {
  return value instanceof PhpFloat;
}
