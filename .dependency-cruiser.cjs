/**
 * The boundaries between the packages, checked by `npm test` (`npm run deps`), so they hold by tooling
 * rather than by hope (dependency-cruiser, as domain-driven-hexagon does).
 */
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment:
        "packages/core is the domain in plain TypeScript: no adapter, AWS, Lambda, HTTP or image-library code. " +
        "Adapters implement its ports; the functions wire them.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: [
          "^packages/(adapters|functions|local|web|cli|sdk)/",
          "node_modules/(@aws-sdk|@smithy|@middy|@aws-lambda-powertools|aws-lambda|@types/aws-lambda|sharp|openai|jose)/",
          "node_modules/@picstack/(adapters|functions|local|web|cli|sdk)",
        ],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "core-is-pure-even-in-types",
      comment: "Not even types from the Lambda or HTTP world leak into the domain.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: { path: ["node_modules/(@types/aws-lambda|aws-lambda|@middy)/"] },
    },
    {
      name: "core-node-builtins",
      comment: "The domain does no I/O of its own: no HTTP, file system or child processes.",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        dependencyTypes: ["core"],
        path: "^(node:)?(http|https|http2|net|fs|fs/promises|child_process|dgram)$",
      },
    },
    {
      name: "functions-without-the-local-runner",
      comment: "Deployed code never depends on the local runner (emulators, dev issuer, CDK CLI).",
      severity: "error",
      from: { path: "^packages/(functions|adapters|core)/src" },
      to: { path: ["^packages/local/", "node_modules/@picstack/local"] },
    },
    {
      name: "no-test-code-in-production",
      comment:
        "Test-only code (fault injection, fakes) lives in the test tree and reaches a function only as a test " +
        "stack's preload, never through an import.",
      severity: "error",
      from: { path: "^(packages/[^/]+/src|infrastructure|stacks)/" },
      to: { path: ["^test/", "^packages/[^/]+/test/"] },
    },
    {
      name: "clients-only-through-the-sdk",
      comment: "The web gallery and the CLI talk to Picstack through the SDK only, as a user's client would.",
      severity: "error",
      from: { path: "^packages/(web|cli)/src" },
      to: {
        path: [
          "^packages/(core|adapters|functions|local|infrastructure)/",
          "^infrastructure/",
          "^stacks/",
          "node_modules/@picstack/(core|adapters|functions|local|infrastructure)",
        ],
      },
    },
    {
      name: "sdk-stands-alone",
      comment: "@picstack/sdk has no dependencies: it runs in browsers and Node as published.",
      severity: "error",
      from: { path: "^packages/sdk/src" },
      to: { path: ["^packages/(?!sdk/)", "^infrastructure/", "node_modules/"] },
    },
    {
      name: "core-tests-use-fakes",
      comment:
        "Core's tests run on in-memory fakes of its ports, never on the adapters (sharp, DynamoDB, ...).",
      severity: "error",
      from: { path: "^packages/core/test" },
      to: { path: ["^packages/adapters/", "node_modules/@picstack/adapters", "node_modules/sharp/"] },
    },
    {
      name: "declaration-is-plain-data",
      comment:
        "infrastructure/picstack.ts and local-mode.ts are read by the stacks, the functions and the local runner: " +
        "no AWS, CDK or SST code in them.",
      severity: "error",
      from: { path: "^infrastructure/(picstack|local-mode)\\.ts$" },
      to: { path: "node_modules/(aws-cdk-lib|sst|constructs|@aws-sdk|@aws-cdk)/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: { path: "^(packages|infrastructure)/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    exclude: { path: ["/dist/"] },
  },
};
