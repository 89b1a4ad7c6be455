// Seeds every fast-check property that names no seed of its own, so `npm test` samples the same cases on every run (TCONV_FC_SEED picks another sample).
import fc from "fast-check";

const seed = Number(process.env.TCONV_FC_SEED ?? 20261207);
if (!Number.isInteger(seed)) throw new Error(`TCONV_FC_SEED=${process.env.TCONV_FC_SEED} must be an integer`);
fc.configureGlobal({ seed });
