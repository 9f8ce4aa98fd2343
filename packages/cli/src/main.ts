/** The `picstack` executable (bundled into dist/picstack.mjs by build.ts); the program is in cli.ts. */
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2));
