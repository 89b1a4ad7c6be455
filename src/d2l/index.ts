// The `d2l` namespace: the book's helpers plus the matrix view and overlap map for any parameters.
import "../methods.js";
import { corr2d, kernel2matrix, transConv } from "./book.js";
import { convMatrix, overlapCount } from "./matrix-view.js";

export const d2l = { corr2d, transConv, kernel2matrix, convMatrix, overlapCount };
