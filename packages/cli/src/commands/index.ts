/** Every command, in the order help lists them. A new command is a file here and a line below. */
import type { Command } from "../command-line.js";
import { get } from "./get.js";
import { ls } from "./ls.js";
import { restore } from "./restore.js";
import { rm } from "./rm.js";
import { token } from "./token.js";
import { upload } from "./upload.js";

export const commands: readonly Command[] = [upload, ls, get, rm, restore, token];
