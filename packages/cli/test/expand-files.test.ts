/** The upload command's arguments become files: files as given, a folder's images, globs expanded, and a reason for each argument that gives none. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandFiles } from "../src/expand-files.js";

let dir: string;

beforeAll(async () => {
  // Prepare: a folder of images and other files, with a subfolder and a hidden file.
  dir = await mkdtemp(join(tmpdir(), "picstack-expand-"));
  await mkdir(join(dir, "photos", "2024", "summer"), { recursive: true });
  await mkdir(join(dir, "photos", "folder.jpg"));
  await mkdir(join(dir, "documents", "scans"), { recursive: true });
  await mkdir(join(dir, "empty"));
  for (const name of ["b.jpg", "a.JPEG", "c.heic", "d.webp", "notes.txt", ".hidden.jpg"])
    await writeFile(join(dir, "photos", name), "x");
  await writeFile(join(dir, "photos", "2024", "e.png"), "x");
  await writeFile(join(dir, "photos", "2024", "summer", "f.gif"), "x");
  await writeFile(join(dir, "documents", "report.pdf"), "x");
  await writeFile(join(dir, "documents", "scans", "page.tiff"), "x");
  await writeFile(join(dir, "[odd].jpg"), "x");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("expandFiles", () => {
  it("takes a folder's images at its top level, sorted, skipping other types, hidden files and subfolders", async () => {
    // Act
    const { files, unmatched } = await expandFiles([join(dir, "photos")]);
    // Assess
    expect(files).toEqual(["a.JPEG", "b.jpg", "c.heic", "d.webp"].map((f) => join(dir, "photos", f)));
    expect(unmatched).toEqual([]);
  });

  it("also takes the images in every subfolder with recursive", async () => {
    // Act
    const { files } = await expandFiles([join(dir, "photos")], { recursive: true });
    // Assess
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      "photos/2024/e.png",
      "photos/2024/summer/f.gif",
      "photos/a.JPEG",
      "photos/b.jpg",
      "photos/c.heic",
      "photos/d.webp",
    ]);
  });

  it("says a folder has no images, and that its subfolders were not searched", async () => {
    // Act
    const documents = await expandFiles([join(dir, "documents")]);
    const empty = await expandFiles([join(dir, "empty")]);
    const deep = await expandFiles([join(dir, "documents")], { recursive: true });
    // Assess
    expect(documents).toEqual({
      files: [],
      unmatched: [
        {
          argument: join(dir, "documents"),
          code: "no_images_in_folder",
          message: `folder has no images: ${join(dir, "documents")} (its subfolders are not searched without --recursive)`,
        },
      ],
    });
    expect(empty.unmatched).toEqual([
      {
        argument: join(dir, "empty"),
        code: "no_images_in_folder",
        message: `folder has no images: ${join(dir, "empty")}`,
      },
    ]);
    expect(deep.files).toEqual([join(dir, "documents", "scans", "page.tiff")]);
  });

  it("tells a missing file from a glob that matches nothing", async () => {
    // Act
    const { files, unmatched } = await expandFiles([join(dir, "x.jpg"), join(dir, "photos", "*.bmp")]);
    // Assess
    expect(files).toEqual([]);
    expect(unmatched).toEqual([
      { argument: join(dir, "x.jpg"), code: "no_such_file", message: `no such file: ${join(dir, "x.jpg")}` },
      {
        argument: join(dir, "photos", "*.bmp"),
        code: "no_match",
        message: `no file matches: ${join(dir, "photos", "*.bmp")}`,
      },
    ]);
  });

  it("expands globs, keeps a file of any type that is named, and lists a file given twice once", async () => {
    // Act
    const { files } = await expandFiles([
      join(dir, "photos", "*.jpg"),
      join(dir, "photos", "notes.txt"),
      join(dir, "photos", "b.jpg"),
      join(dir, "[odd].jpg"),
    ]);
    // Assess: the file named with glob characters is taken literally; notes.txt is left to the upload's check.
    expect(files).toEqual([
      join(dir, "photos", "b.jpg"),
      join(dir, "photos", "notes.txt"),
      join(dir, "[odd].jpg"),
    ]);
  });
});
