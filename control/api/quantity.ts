/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): `500m`, `1.5`, `128Mi`,
 * `1e3`, `2G`. Parsed to a plain JS number of base units (cores, bytes) — exact enough for
 * scheduling and comparisons; Kubernetes' own arbitrary-precision Quantity is not reproduced.
 */

/** The syntax kube reports when a quantity does not parse (its decoding error, verbatim). */
export const QUANTITY_SYNTAX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export class QuantityError extends Error {
  constructor(readonly input: string, message = QUANTITY_SYNTAX_MESSAGE) {
    super(message);
    this.name = 'QuantityError';
  }
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

// sign, digits with at most one '.', then a suffix: binary, decimal, or a signed decimal exponent.
const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parses a quantity string (or a JSON number, which the API also accepts) into base units.
 * `parseQuantity('500m') === 0.5`, `parseQuantity('1Ki') === 1024`. Throws QuantityError.
 */
export function parseQuantity(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(String(input));
    return input;
  }
  const s = input.trim() === input ? input : '';
  const m = QUANTITY_RE.exec(s);
  if (!m) throw new QuantityError(input);
  const sign = m[1] === '-' ? -1 : 1;
  const mantissa = Number(m[2]);
  const suffix = m[3] ?? '';
  let factor: number;
  if (suffix in BINARY) factor = BINARY[suffix]!;
  else if (suffix in DECIMAL) factor = DECIMAL[suffix]!;
  else factor = 10 ** Number(suffix.slice(1));
  // Multiplying by a sub-unit factor (1e-3) loses precision (0.1 * 3 style); dividing is exact
  // for the common "Nm" case, so express small factors as divisions.
  const value = factor < 1 ? mantissa / Math.round(1 / factor) : mantissa * factor;
  return sign * value;
}

/** parseQuantity without the throw. */
export function tryParseQuantity(input: unknown): number | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

export function isValidQuantity(input: unknown): boolean {
  return tryParseQuantity(input) !== undefined;
}

/** Millicores of a CPU quantity, rounded up as kube does for cpu (`100m` → 100, `0.0001` → 1). */
export function milliValue(input: string | number): number {
  return Math.ceil(Math.round(parseQuantity(input) * 1e9) / 1e6);
}
