// repr() of an MXNet np array: numpy's arrayprint algorithm (default print options) with MXNet's dtype suffix rule.

// numpy's default print options (np.get_printoptions()).
const PRECISION = 8;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 75;
const PREFIX = "array(";
const SEPARATOR = ", ";

type Trim = "keep" | "zeros"; // numpy trim='k' keeps trailing zeros, trim='.' drops them but keeps the point

interface Decomposed {
  negative: boolean;
  mantissa: bigint; // value = mantissa * 2^exponent
  exponent: number;
  mantissaBit: number; // index of the highest set bit of the mantissa
  unequalMargins: boolean; // at a power of two the gap to the next smaller float is half the gap above
}

const scratch = new DataView(new ArrayBuffer(8));

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** IEEE fields of a finite value, read as binary32 or binary64 (numpy prints float32 data with float32 margins). */
function decompose(x: number, f32: boolean): Decomposed {
  let negative: boolean, biased: number, fraction: bigint;
  const [fracBits, bias] = f32 ? [23, 127] : [52, 1023];
  if (f32) {
    scratch.setFloat32(0, x);
    const bits = scratch.getUint32(0);
    negative = bits >>> 31 === 1;
    biased = (bits >>> 23) & 0xff;
    fraction = BigInt(bits & 0x7fffff);
  } else {
    scratch.setFloat64(0, x);
    const bits = scratch.getBigUint64(0);
    negative = bits >> 63n === 1n;
    biased = Number((bits >> 52n) & 0x7ffn);
    fraction = bits & ((1n << 52n) - 1n);
  }
  if (biased === 0) {
    return {
      negative,
      mantissa: fraction,
      exponent: 1 - bias - fracBits,
      mantissaBit: fraction === 0n ? 0 : bitLength(fraction) - 1,
      unequalMargins: false,
    };
  }
  return {
    negative,
    mantissa: fraction | (1n << BigInt(fracBits)),
    exponent: biased - bias - fracBits,
    mantissaBit: fracBits,
    unequalMargins: biased !== 1 && fraction === 0n,
  };
}

const LOG10_2 = 0.3010299956639812;

const pow10 = (k: number): bigint => 10n ** BigInt(k);

interface Digits {
  digits: string; // significant digits, first one non-zero unless the value rounds to 0
  exp10: number; // power of ten of the first digit
}

/**
 * Dragon4 in numpy's "unique" digit mode (Steele & White with IEEE round-half-even margins):
 * emit digits until the prefix identifies the float among its neighbours, but never past the
 * cutoffMax position and never stop before the cutoffMin position. Cutoffs count digits after
 * the first one ("total") or after the decimal point ("fraction"); -1 means no cutoff.
 */
function dragon4(d: Decomposed, mode: "total" | "fraction", cutoffMax: number, cutoffMin: number): Digits {
  const { mantissa, exponent, unequalMargins } = d;
  if (mantissa === 0n) return { digits: "0", exp10: 0 };

  // value = num/den exactly; the gaps to the neighbours are marginLow/den and marginHigh/den,
  // all scaled by 2 (or 4 with unequal margins) so that half-gaps stay integral.
  const shift = unequalMargins ? 2 : 1;
  let num: bigint, den: bigint, marginLow: bigint;
  if (exponent > 0) {
    num = mantissa << BigInt(exponent + shift);
    den = 1n << BigInt(shift);
    marginLow = 1n << BigInt(exponent);
  } else {
    num = mantissa << BigInt(shift);
    den = 1n << BigInt(-exponent + shift);
    marginLow = 1n;
  }
  const highFactor = unequalMargins ? 2n : 1n;

  // digitExponent = floor(log10(value)) + 1; the estimate is exact or one too low (Burger & Dybvig).
  let digitExponent = Math.ceil((d.mantissaBit + exponent) * LOG10_2 - 0.69);
  if (cutoffMax >= 0 && mode === "fraction" && digitExponent <= -cutoffMax) {
    // value is below the last printable digit: start there and let rounding decide 0 or 1
    digitExponent = -cutoffMax + 1;
  }
  if (digitExponent > 0) den *= pow10(digitExponent);
  else if (digitExponent < 0) {
    num *= pow10(-digitExponent);
    marginLow *= pow10(-digitExponent);
  }
  if (num >= den) digitExponent += 1;
  else {
    num *= 10n;
    marginLow *= 10n;
  }

  let cutoffMaxExp = -Infinity;
  if (cutoffMax >= 0) cutoffMaxExp = mode === "total" ? digitExponent - cutoffMax : -cutoffMax;
  let cutoffMinExp = digitExponent;
  if (cutoffMin >= 0) {
    cutoffMinExp = Math.min(digitExponent, mode === "total" ? digitExponent - cutoffMin : -cutoffMin);
  }
  let exp10 = digitExponent - 1;

  // margins that touch a neighbour's rounding boundary count as inside when the mantissa is even
  const even = (mantissa & 1n) === 0n;
  const out: number[] = [];
  let digit: number;
  let low: boolean, high: boolean;
  for (;;) {
    digitExponent -= 1;
    digit = Number(num / den);
    num %= den;
    const marginHigh = marginLow * highFactor;
    low = even ? num <= marginLow : num < marginLow;
    high = even ? num + marginHigh >= den : num + marginHigh > den;
    if (((low || high) && digitExponent <= cutoffMinExp) || digitExponent === cutoffMaxExp) break;
    out.push(digit);
    num *= 10n;
    marginLow *= 10n;
  }

  let roundDown = low;
  if (low === high) {
    // both (or neither) neighbours are far enough: round to nearest, ties to an even digit
    const cmp = 2n * num - den;
    roundDown = cmp < 0n || (cmp === 0n && digit % 2 === 0);
  }
  if (roundDown) out.push(digit);
  else if (digit < 9) out.push(digit + 1);
  else {
    // carry through trailing nines; the nines themselves become trailing zeros and are dropped
    while (out.length > 0 && out[out.length - 1] === 9) out.pop();
    if (out.length === 0) {
      out.push(1);
      exp10 += 1;
    } else out[out.length - 1]! += 1;
  }
  return { digits: out.join(""), exp10 };
}

interface PositionalOptions {
  precision: number;
  minDigits: number;
  trim: Trim;
  padLeft: number;
  padRight: number;
}

/** numpy.format_float_positional(x, unique=True, fractional=True, ...) for a finite x. */
function formatPositional(x: number, f32: boolean, o: PositionalOptions): string {
  const d = decompose(x, f32);
  const { digits, exp10 } = dragon4(d, "fraction", o.precision, o.minDigits);
  const sign = d.negative ? "-" : "";
  let whole: string, frac: string;
  if (exp10 >= 0) {
    whole = digits.slice(0, exp10 + 1).padEnd(exp10 + 1, "0");
    frac = digits.slice(exp10 + 1);
  } else {
    whole = "0";
    frac = "0".repeat(-exp10 - 1) + digits;
  }
  if (o.trim === "keep") frac = frac.padEnd(Math.max(o.minDigits, 0), "0");
  else frac = frac.replace(/0+$/, "");
  let s = sign + whole + "." + frac;
  if (o.padRight >= frac.length) s += " ".repeat(o.padRight - frac.length);
  if (o.padLeft > whole.length + sign.length) s = " ".repeat(o.padLeft - whole.length - sign.length) + s;
  return s;
}

interface ScientificOptions {
  precision: number;
  minDigits: number;
  trim: Trim;
  padLeft: number;
  expDigits: number;
}

/** numpy.format_float_scientific(x, unique=True, ...) for a finite x: d.ddde±XX. */
function formatScientific(x: number, f32: boolean, o: ScientificOptions): string {
  const d = decompose(x, f32);
  // precision counts digits after the point, Dragon4's total-length cutoff counts the leading one too
  const { digits, exp10 } = dragon4(d, "total", o.precision < 0 ? -1 : o.precision + 1, o.minDigits < 0 ? -1 : o.minDigits + 1);
  const sign = d.negative ? "-" : "";
  let frac = digits.slice(1);
  if (o.trim === "keep") frac = frac.padEnd(Math.max(o.minDigits, 0), "0");
  else frac = frac.replace(/0+$/, "");
  const expWidth = Math.max(o.expDigits < 0 ? 2 : Math.min(o.expDigits, 5), String(Math.abs(exp10)).length);
  const expStr = (exp10 < 0 ? "-" : "+") + String(Math.abs(exp10)).padStart(expWidth, "0");
  const pad = " ".repeat(Math.max(0, o.padLeft - 1 - sign.length));
  return pad + sign + digits[0] + "." + frac + "e" + expStr;
}

/** numpy's FloatingFormat with floatmode 'maxprec', suppress=False, sign='-'. */
class FloatingFormat {
  private readonly f32: boolean;
  private expFormat = false;
  private padLeft = 0;
  private padRight = 0;
  private precision = PRECISION;
  private minDigits = -1;
  private trim: Trim = "zeros";
  private expSize = -1;

  constructor(values: readonly number[], f32: boolean) {
    this.f32 = f32;
    const finite = values.filter(Number.isFinite);
    const absNonZero = finite.filter((v) => v !== 0).map(Math.abs);
    if (absNonZero.length > 0) {
      const max = absNonZero.reduce((a, b) => Math.max(a, b));
      const min = absNonZero.reduce((a, b) => Math.min(a, b));
      // numpy divides in the array's dtype, then compares against Python floats (float64)
      const ratio = f32 ? Math.fround(max / min) : max / min;
      this.expFormat = max >= 1e8 || min < 0.0001 || ratio > 1000;
    }

    if (finite.length === 0) {
      this.padLeft = 0;
      this.padRight = 0;
    } else if (this.expFormat) {
      // first pass: shortest unique digits, to size the columns
      const strs = finite.map((v) => formatScientific(v, f32, { precision: PRECISION, minDigits: -1, trim: "zeros", padLeft: -1, expDigits: -1 }));
      let intLen = 0,
        fracLen = 0,
        expLen = 0;
      for (const s of strs) {
        const [mant, exp] = s.split("e") as [string, string];
        const [int, frac] = mant.split(".") as [string, string];
        intLen = Math.max(intLen, int.length);
        fracLen = Math.max(fracLen, frac.length);
        expLen = Math.max(expLen, exp.length);
      }
      this.expSize = expLen - 1;
      this.trim = "keep";
      this.precision = fracLen;
      this.minDigits = fracLen;
      this.padLeft = intLen;
      // width of the mantissa's fraction, the 'e', the exponent sign and digits: only sizes nan/inf
      this.padRight = this.expSize + 2 + this.precision;
    } else {
      const strs = finite.map((v) => formatPositional(v, f32, { precision: PRECISION, minDigits: -1, trim: "zeros", padLeft: -1, padRight: -1 }));
      for (const s of strs) {
        const [int, frac] = s.split(".") as [string, string];
        this.padLeft = Math.max(this.padLeft, int.length);
        this.padRight = Math.max(this.padRight, frac.length);
      }
      this.minDigits = 0;
    }

    if (finite.length !== values.length) {
      const negInf = values.some((v) => v === -Infinity);
      const offset = this.padRight + 1; // +1 for the decimal point
      this.padLeft = Math.max(this.padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
    }
  }

  format(x: number): string {
    if (!Number.isFinite(x)) {
      const s = Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
      return s.padStart(this.padLeft + this.padRight + 1, " ");
    }
    if (this.expFormat) {
      return formatScientific(x, this.f32, {
        precision: this.precision,
        minDigits: this.minDigits,
        trim: this.trim,
        padLeft: this.padLeft,
        expDigits: this.expSize,
      });
    }
    return formatPositional(x, this.f32, {
      precision: this.precision,
      minDigits: this.minDigits,
      trim: this.trim,
      padLeft: this.padLeft,
      padRight: this.padRight,
    });
  }
}

/** numpy's _extendLine: append word, first wrapping onto a fresh indented line if it would pass width. */
function extendLine(s: string, line: string, word: string, width: number, indent: string): [string, string] {
  // wrapping a line that holds only the indent would not make it any shorter
  const wrap = line.length + word.length > width && line.length > indent.length;
  if (wrap) {
    s += line.trimEnd() + "\n";
    line = indent;
  }
  return [s, line + word];
}

function tupleRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

export function formatArray(data: ArrayLike<number>, shape: readonly number[], dtype: "float32" | "float64"): string {
  const f32 = dtype === "float32";
  const ndim = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`formatArray: data has ${data.length} elements, shape ${tupleRepr(shape)} needs ${size}`);

  // numpy adds shape=/dtype= to empty arrays; MXNet then drops the dtype when it is its default, float32
  if (size === 0) {
    const extras: string[] = [];
    if (!(ndim === 1 && shape[0] === 0)) extras.push(`shape=${tupleRepr(shape)}`);
    if (!f32) extras.push("dtype=float64");
    return `${PREFIX}[]${extras.map((e) => ", " + e).join("")})`;
  }

  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = f32 ? Math.fround(data[i]!) : data[i]!;
  const strides = new Array<number>(ndim);
  for (let ax = ndim - 1, s = 1; ax >= 0; ax--) {
    strides[ax] = s;
    s *= shape[ax]!;
  }

  const summarize = size > THRESHOLD;
  const summarized = (len: number): boolean => summarize && len > 2 * EDGE_ITEMS;

  // column widths come only from the elements that get printed (numpy's _leading_trailing)
  const shown: number[] = [];
  const collect = (offset: number, axis: number): void => {
    if (axis === ndim) {
      shown.push(values[offset]!);
      return;
    }
    const len = shape[axis]!;
    for (let i = 0; i < len; i++) {
      if (summarized(len) && i === EDGE_ITEMS) i = len - EDGE_ITEMS;
      collect(offset + i * strides[axis]!, axis + 1);
    }
  };
  collect(0, 0);
  const fmt = new FloatingFormat(shown, f32);

  // numpy's _formatArray; widths shrink by one per nesting level to leave room for the closing ']'
  const recurse = (offset: number, axis: number, indent: string, width: number): string => {
    const axesLeft = ndim - axis;
    if (axesLeft === 0) return fmt.format(values[offset]!);
    const nextIndent = indent + " ";
    const nextWidth = width - 1;
    const len = shape[axis]!;
    const showSummary = summarized(len);
    const leading = showSummary ? EDGE_ITEMS : 0;
    const trailing = showSummary ? EDGE_ITEMS : len;
    const child = (i: number): string => recurse(offset + i * strides[axis]!, axis + 1, nextIndent, nextWidth);
    // leading items, then '...', then items len-trailing .. len-1
    const order: (number | null)[] = [];
    for (let i = 0; i < leading; i++) order.push(i);
    if (showSummary) order.push(null);
    for (let i = len - trailing; i < len; i++) order.push(i);

    let s = "";
    if (axesLeft === 1) {
      const elemWidth = width - Math.max(SEPARATOR.trimEnd().length, 1);
      let line = indent;
      order.forEach((i, k) => {
        [s, line] = extendLine(s, line, i === null ? "..." : child(i), elemWidth, indent);
        if (k < order.length - 1) line += SEPARATOR;
      });
      s += line;
    } else {
      // ndim-2 blank lines between blocks: one newline per remaining axis
      const lineSep = SEPARATOR.trimEnd() + "\n".repeat(axesLeft - 1);
      s = order.map((i) => indent + (i === null ? "..." : child(i))).join(lineSep);
    }
    return "[" + s.slice(indent.length) + "]";
  };

  // repr's closing ')' is reserved from the line width; continuation lines align under the '['
  const body = recurse(0, 0, " ".repeat(PREFIX.length + 1), LINE_WIDTH - 1);
  // MXNet appends its non-default dtype after numpy's text without any line-width check
  return PREFIX + body + (f32 ? "" : ", dtype=float64") + ")";
}
