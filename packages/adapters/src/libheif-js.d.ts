/** libheif-js ships no types for its wasm bundle; heif-decoder.ts declares the part of the C API it calls. */
declare module "libheif-js/libheif-wasm/libheif-bundle.js" {
  /** Instantiates libheif (the wasm binary is embedded): a fresh module with its own memory. */
  const createLibheif: () => unknown;
  export default createLibheif;
}
