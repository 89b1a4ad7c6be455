// The `d2l` namespace: the book's helpers plus the matrix view, overlap map and exact spectral norm for any parameters.
import "../methods.js";
import { corr2d, kernel2matrix, transConv } from "./book.js";
import { convMatrix, overlapCount } from "./matrix-view.js";
import { spectralNorm } from "./spectral-norm.js";
import { tryGpu } from "../context.js";

export const d2l = { corr2d, transConv, kernel2matrix, convMatrix, overlapCount, spectralNorm, tryGpu };
