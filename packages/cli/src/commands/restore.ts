/** `picstack restore <id...>`: undoes deletes that are still within the retention period. */
import { connectionOptions, defineCommand } from "../command-line.js";
import { forEachId } from "./for-each-id.js";

export const restore = defineCommand({
  name: "restore",
  args: "<id...>",
  summary: "undo deletes",
  options: { ...connectionOptions },
  run: (flags, ids) =>
    forEachId(flags, ids, { command: "restore", done: "restored" }, (api, id) => api.restoreImage(id)),
});
