export * from "./basic-analysis.provider.js";
export * from "./heif-decoder.js";
export * from "./sharp-image.processor.js";
