export * from "./basic-analysis.provider.js";
export * from "./sharp-image.processor.js";
