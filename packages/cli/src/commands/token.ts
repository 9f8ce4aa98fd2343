/**
 * `picstack token <userId>`: a dev token from the local stack's issuer. It reads the stack's files, not
 * the API, so it takes none of the connection options.
 */
import { defineCommand } from "../command-line.js";
import { findOutputs, signDevToken } from "../connection.js";
import { integer } from "../option-values.js";
import { CliError, printJson } from "../output.js";

export const token = defineCommand({
  name: "token",
  args: "<userId>",
  summary: "print a dev token for the local stack",
  options: {
    "expires-in": { type: "string", default: "43200", value: "<seconds>", help: "lifetime" },
  },
  run(flags, args) {
    const userId = args[0];
    if (!userId || args.length > 1) throw new CliError("usage: picstack token <userId>", 2);
    const outputs = findOutputs();
    if (!outputs)
      throw new CliError("No local stack found (.picstack/outputs.json): start it with `npm start`", 2);
    const expiresIn = integer(flags["expires-in"], "expires-in", 60, 30 * 24 * 3600);
    const jwt = signDevToken(userId, outputs.home, expiresIn);
    if (flags.json) printJson({ token: jwt, userId });
    else process.stdout.write(`${jwt}\n`);
    return 0;
  },
});
