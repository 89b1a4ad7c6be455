// Node-only entry `tconv/node`: PNG file helpers (pngjs), kept out of the browser entry.
export { MAX_PNG_PIXELS, readPNG, writePNG, type ReadPNGOptions } from "./png.js";
