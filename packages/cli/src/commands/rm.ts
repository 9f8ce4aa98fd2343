/** `picstack rm <id...>`: deletes images; each can be restored during the retention period. */
import { connectionOptions, defineCommand } from "../command-line.js";
import { forEachId } from "./for-each-id.js";

export const rm = defineCommand({
  name: "rm",
  args: "<id...>",
  summary: "delete images (restorable during the retention period)",
  options: { ...connectionOptions },
  run: (flags, ids) =>
    forEachId(flags, ids, { command: "rm", done: "deleted" }, (api, id) => api.deleteImage(id)),
});
