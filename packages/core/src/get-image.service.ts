/** Read one image for its owner, with presigned download URLs for what exists. */
import { ImageNotFoundError } from "./errors.js";
import type { ImageRecord } from "./image.js";
import { type Image, type ImageUrls, toImage } from "./image.js";
import type { ImageRepository, ObjectStore } from "./ports.js";

export interface GetImageDeps {
  images: ImageRepository;
  objects: ObjectStore;
}

/** Another user's image, and a deleted one, answer exactly like a missing one. */
export async function getOwnedImage(
  images: ImageRepository,
  userId: string,
  id: string,
): Promise<ImageRecord> {
  const record = await images.get(id);
  if (!record || record.userId !== userId || record.deletedAt) throw new ImageNotFoundError();
  return record;
}

export async function presignImageUrls(objects: ObjectStore, record: ImageRecord): Promise<ImageUrls> {
  // The original exists from upload on, except for failed images, whose bytes are removed.
  const keys: Array<[keyof ImageUrls, string]> = [];
  if (record.status === "ready" || record.status === "processing")
    keys.push(["original", record.originalKey]);
  if (record.thumbnails) {
    keys.push(["thumb", record.thumbnails.thumb.key], ["preview", record.thumbnails.preview.key]);
  }
  // Signed together: a list page signs up to three URLs for each of up to 100 images.
  const signed = await Promise.all(
    keys.map(async ([name, key]) => [name, await objects.presignDownload(key)]),
  );
  return Object.fromEntries(signed) as ImageUrls;
}

export async function getImage(deps: GetImageDeps, userId: string, id: string): Promise<Image> {
  const record = await getOwnedImage(deps.images, userId, id);
  return toImage(record, await presignImageUrls(deps.objects, record));
}
