/** What `rm` and `restore` share: one API call per id, a line (or a JSON result) each, exit 1 if any failed. */
import type { PicstackClient } from "@picstack/sdk";
import type { CommonValues } from "../command-line.js";
import { type ConnectionFlags, connect } from "../connection.js";
import { CliError, describeError, printJson } from "../output.js";

export async function forEachId(
  flags: ConnectionFlags & CommonValues,
  ids: string[],
  names: { command: string; done: string },
  action: (api: PicstackClient, id: string) => Promise<unknown>,
): Promise<number> {
  if (ids.length === 0) throw new CliError(`${names.command} needs at least one image id`, 2);
  const api = connect(flags);
  const results: { id: string; ok: boolean; error?: { code: string; message: string } }[] = [];
  for (const id of ids) {
    try {
      await action(api, id);
      results.push({ id, ok: true });
      if (!flags.json) process.stdout.write(`${names.done} ${id}\n`);
    } catch (error) {
      const described = describeError(error);
      results.push({ id, ok: false, error: described });
      if (!flags.json) process.stderr.write(`${id}: ${described.message} (${described.code})\n`);
    }
  }
  if (flags.json) printJson(results);
  return results.every((r) => r.ok) ? 0 : 1;
}
