/**
 * Turns the upload command's arguments into files. A file is taken as is; a folder gives the images
 * in it, by extension (the types the API takes: .jpg, .jpeg, .png, .webp, .gif, .avif, .tif, .tiff,
 * .heic, .heif, any case), and only at its top level unless `recursive`; hidden files and folders are
 * skipped. A glob is expanded. An argument that gives no file is reported with the reason.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { contentTypeFor } from "@picstack/sdk";
import { glob, isDynamicPattern } from "tinyglobby";

export interface Unmatched {
  /** The argument as given. */
  argument: string;
  code: "no_such_file" | "no_images_in_folder" | "no_match";
  message: string;
}

export async function expandFiles(
  args: string[],
  options: { recursive?: boolean } = {},
): Promise<{ files: string[]; unmatched: Unmatched[] }> {
  const files: string[] = [];
  const unmatched: Unmatched[] = [];
  for (const arg of args) {
    // A path that exists is taken literally, even when its name contains glob characters.
    const literal = await stat(arg).catch(() => undefined);
    if (literal?.isFile()) {
      files.push(arg);
    } else if (literal?.isDirectory()) {
      const found = await imagesIn(arg, options.recursive ?? false);
      if (found.images.length > 0) files.push(...found.images);
      else unmatched.push(emptyFolder(arg, found.subfolders && !options.recursive));
    } else if (isDynamicPattern(arg)) {
      // An absolute pattern gives absolute paths (tinyglobby would make them relative to the cwd).
      const matches = await glob(arg, {
        onlyFiles: true,
        expandDirectories: false,
        absolute: isAbsolute(arg),
      });
      if (matches.length > 0) files.push(...matches.sort());
      else unmatched.push({ argument: arg, code: "no_match", message: `no file matches: ${arg}` });
    } else {
      unmatched.push({ argument: arg, code: "no_such_file", message: `no such file: ${arg}` });
    }
  }
  return { files: [...new Set(files)], unmatched };
}

/** The images in a folder, sorted, and whether it has (non-hidden) subfolders. */
async function imagesIn(
  folder: string,
  recursive: boolean,
): Promise<{ images: string[]; subfolders: boolean }> {
  // cwd, not a pattern, holds the folder's name, so glob characters in it are not read as a pattern.
  const entries = await glob(recursive ? "**/*" : "*", { cwd: folder, onlyFiles: false, dot: false });
  const images = entries
    .filter((entry) => !entry.endsWith("/") && contentTypeFor(entry) !== undefined)
    .sort()
    .map((entry) => join(folder, entry));
  return { images, subfolders: entries.some((entry) => entry.endsWith("/")) };
}

function emptyFolder(folder: string, hasSubfolders: boolean): Unmatched {
  return {
    argument: folder,
    code: "no_images_in_folder",
    message: `folder has no images: ${folder}${hasSubfolders ? " (its subfolders are not searched without --recursive)" : ""}`,
  };
}
