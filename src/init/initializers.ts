// Weight initializers with Gluon's names and defaults: Zero, One, Constant, Uniform, Normal, Xavier, MSRA, Bilinear.
import { NDArray } from "../ndarray/ndarray.js";
import { broadcastShapes } from "../ndarray/broadcast.js";
import { allocate, type Dtype, formatShape, shapeSize } from "../ndarray/strided.js";
import { nextUniform } from "../ndarray/random.js";
import { assignInPlace } from "../ops/elementwise.js";
import { copy, transpose } from "../ops/shape.js";
import { readEnum, readNumber, snapshotOptions } from "../params/options.js";

/** What an initializer may need to know about the parameter besides its shape. */
export interface InitContext {
  /** a channels-last convolution weight `[O, ...k, I]` (NWC/NHWC/NDHWC layers) rather than `[O, I, ...k]` */
  channelsLast?: boolean;
}

/** Fills a new array of the given shape; `name` is used in error messages. */
export abstract class Initializer {
  abstract create(shape: readonly number[], dtype: Dtype, name: string, context?: InitContext): NDArray;
}

/**
 * Runs `make` on the channels-first form `[O, I, ...k]` of a channels-last weight `[O, ...k, I]` and returns
 * the result in the channels-last layout, for initializers whose values depend on which axes are channels.
 */
function inLayout(shape: readonly number[], context: InitContext | undefined, make: (cf: readonly number[]) => NDArray): NDArray {
  if (!context?.channelsLast || shape.length < 3) return make(shape);
  const nd = shape.length;
  const cf = make([shape[0]!, shape[nd - 1]!, ...shape.slice(1, -1)]);
  return copy(transpose(cf, [0, ...Array.from({ length: nd - 2 }, (_, i) => i + 2), 1]));
}

function filled(shape: readonly number[], dtype: Dtype, f: (i: number) => number): NDArray {
  const out = allocate(dtype, shapeSize(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(i);
  return new NDArray(out, shape);
}

export class Constant extends Initializer {
  constructor(readonly value: number | NDArray) {
    super();
    if (typeof value !== "number" && !(value instanceof NDArray)) throw new Error("init.Constant: value must be a number or an NDArray");
  }
  /** The value broadcast to the parameter's shape (a kernel array must broadcast, as in Gluon). */
  create(shape: readonly number[], dtype: Dtype, name: string): NDArray {
    const v = this.value;
    if (typeof v === "number") return filled(shape, dtype, () => v);
    const b = broadcastShapes(shape, v.shape, `init.Constant for ${name}`);
    if (b.length !== shape.length || b.some((d, i) => d !== shape[i]))
      throw new Error(`init.Constant for ${name}: value of shape ${formatShape(v.shape)} does not broadcast to the parameter shape ${formatShape(shape)}`);
    const out = new NDArray(allocate(dtype, shapeSize(shape)), shape);
    assignInPlace(out, v, "init.Constant");
    return out;
  }
}

export class Zero extends Constant {
  constructor() {
    super(0);
  }
}

export class One extends Constant {
  constructor() {
    super(1);
  }
}

/** U(−scale, scale); Gluon's default weight initializer is Uniform(0.07). */
export class Uniform extends Initializer {
  constructor(readonly scale = 0.07) {
    super();
  }
  create(shape: readonly number[], dtype: Dtype): NDArray {
    return filled(shape, dtype, () => (2 * nextUniform() - 1) * this.scale);
  }
}

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - nextUniform())) * Math.cos(2 * Math.PI * nextUniform());
}

/** N(0, sigma²). */
export class Normal extends Initializer {
  constructor(readonly sigma = 0.01) {
    super();
  }
  create(shape: readonly number[], dtype: Dtype): NDArray {
    return filled(shape, dtype, () => this.sigma * gaussian());
  }
}

export interface XavierOptions {
  rndType?: "uniform" | "gaussian";
  factorType?: "avg" | "in" | "out";
  magnitude?: number;
}

/**
 * Glorot & Bengio (2010) as MXNet: fanIn = shape[1]·∏k, fanOut = shape[0]·∏k, factor by factorType,
 * scale = sqrt(magnitude / factor); uniform on [−scale, scale] or gaussian with σ = scale.
 */
export class Xavier extends Initializer {
  readonly rndType: "uniform" | "gaussian";
  readonly factorType: "avg" | "in" | "out";
  readonly magnitude: number;
  constructor(options?: XavierOptions) {
    super();
    const o = snapshotOptions("init.Xavier", options, ["rndType", "factorType", "magnitude"]);
    this.rndType = readEnum("init.Xavier", "rndType", o.rndType, ["uniform", "gaussian"], "uniform");
    this.factorType = readEnum("init.Xavier", "factorType", o.factorType, ["avg", "in", "out"], "avg");
    this.magnitude = readNumber("init.Xavier", "magnitude", o.magnitude, 3, 0);
  }
  create(shape: readonly number[], dtype: Dtype, name: string, context?: InitContext): NDArray {
    return inLayout(shape, context, (cf) => this.createChannelsFirst(cf, dtype, name));
  }
  private createChannelsFirst(shape: readonly number[], dtype: Dtype, name: string): NDArray {
    if (shape.length < 2) throw new Error(`init.Xavier for ${name}: needs a parameter with at least 2 axes, got shape ${formatShape(shape)}`);
    const receptive = shapeSize(shape.slice(2));
    const fanIn = shape[1]! * receptive;
    const fanOut = shape[0]! * receptive;
    const factor = this.factorType === "in" ? fanIn : this.factorType === "out" ? fanOut : (fanIn + fanOut) / 2;
    const scale = Math.sqrt(this.magnitude / factor);
    return filled(shape, dtype, () => (this.rndType === "uniform" ? (2 * nextUniform() - 1) * scale : scale * gaussian()));
  }
}

/** He et al. (2015) as MXNet's MSRAPrelu: Xavier, gaussian, magnitude 2/(1 + slope²). */
export class MSRA extends Xavier {
  constructor(options?: { factorType?: "avg" | "in" | "out"; slope?: number }) {
    const o = snapshotOptions("init.MSRA", options, ["factorType", "slope"]);
    const slope = readNumber("init.MSRA", "slope", o.slope, 0.25);
    super({ rndType: "gaussian", factorType: o.factorType as "avg" | "in" | "out" | undefined, magnitude: 2 / (1 + slope * slope) });
  }
}

/**
 * The bilinear upsampling kernel FCN initialises its transposed convolution with (Long et al., 2015):
 * per axis, as d2l's bilinear_kernel: f = ⌊(k + 1)/2⌋, center c = f − 1 (k odd) or f − ½ (k even),
 * w(x) = 1 − |x − c|/f; the N-d kernel is the product. (MXNet's formula agrees for even k but is lopsided for odd k.)
 * Weights `[Cin, Cout/g, ...k]`: channel i maps to channel i only when Cin = Cout/g (d2l's bilinear_kernel),
 * otherwise every channel pair gets the kernel (MXNet's init.Bilinear).
 */
export class Bilinear extends Initializer {
  create(shape: readonly number[], dtype: Dtype, name: string, context?: InitContext): NDArray {
    return inLayout(shape, context, (cf) => this.createChannelsFirst(cf, dtype, name));
  }
  private createChannelsFirst(shape: readonly number[], dtype: Dtype, name: string): NDArray {
    if (shape.length < 3) throw new Error(`init.Bilinear for ${name}: needs a convolution weight [Cin, Cout, ...k], got shape ${formatShape(shape)}`);
    const k = shape.slice(2);
    const taps = shapeSize(k);
    const axis1 = (x: number, size: number) => {
      const f = Math.floor((size + 1) / 2);
      const c = size % 2 === 1 ? f - 1 : f - 0.5;
      return 1 - Math.abs(x - c) / f;
    };
    const diagonal = shape[0] === shape[1];
    return filled(shape, dtype, (i) => {
      const pair = Math.floor(i / taps);
      if (diagonal && Math.floor(pair / shape[1]!) !== pair % shape[1]!) return 0;
      let t = i % taps;
      let v = 1;
      for (let ax = k.length - 1; ax >= 0; ax--) {
        v *= axis1(t % k[ax]!, k[ax]!);
        t = Math.floor(t / k[ax]!);
      }
      return v;
    });
  }
}

/** Lets `init.Constant(K)` read as in the book, while `new init.Constant(K)` and instanceof keep working. */
function callable<A extends unknown[], T>(C: new (...args: A) => T): { (...args: A): T; new (...args: A): T } {
  const f = function (...args: A) {
    return new C(...args);
  };
  f.prototype = C.prototype;
  return f as unknown as { (...args: A): T; new (...args: A): T };
}

/** Gluon's initializers, callable with or without `new` (`init.Constant(K)`, `new init.Xavier()`). */
export const init = {
  /** The base class of initializers: subclass it for a custom one. */
  Initializer,
  /** Fills with 0 (`init.Zero()`). */
  Zero: callable(Zero),
  /** Fills with 1 (`init.One()`). */
  One: callable(One),
  /** Fills with a number, or broadcasts an array into the parameter (`init.Constant(K)`, as the book's tconv example). */
  Constant: callable(Constant),
  /** Samples from U[−scale, scale] (default scale 0.07). */
  Uniform: callable(Uniform),
  /** Samples from N(0, sigma²) (default sigma 0.01). */
  Normal: callable(Normal),
  /** Glorot/Xavier: uniform or gaussian, scaled by fan in, fan out or their average (`rndType`, `factorType`, `magnitude`). */
  Xavier: callable(Xavier),
  /** He/MSRA (MXNet's MSRAPrelu): Xavier with gaussian samples and magnitude 2 / (1 + slope²). */
  MSRA: callable(MSRA),
  /** Bilinear upsampling weights for a transposed convolution (D2L §14.11's bilinear kernel). */
  Bilinear: callable(Bilinear),
};
