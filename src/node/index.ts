// Node-only entry `tconv/node`: PNG file helpers (pngjs), kept out of the browser entry.
export { readPNG, writePNG } from "./png.js";
