export { buildClients, buildWeb } from "./build-clients.js";
export * from "./bundle.js";
export * from "./deploy.js";
export * from "./dev-issuer.js";
export * from "./dlq.js";
export * from "./emulator.js";
export * from "./jobs.js";
export * from "./local-stack.js";
export * from "./paths.js";
