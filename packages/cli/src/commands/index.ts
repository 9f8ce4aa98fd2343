/** Every command, in the order help lists them. A new command is a file here and a line below. */
import type { Command } from "../command-line.js";
import { get } from "./get.js";
import { ls } from "./ls.js";
import { restore } from "./restore.js";
import { rm } from "./rm.js";
import { search } from "./search.js";
import { similar } from "./similar.js";
import { token } from "./token.js";
import { upload } from "./upload.js";

export const commands: readonly Command[] = [upload, ls, search, similar, get, rm, restore, token];
