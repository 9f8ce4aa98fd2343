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
  const urls: ImageUrls = {};
  // The original exists from upload on, except for failed images, whose bytes are removed.
  if (record.status === "ready" || record.status === "processing") {
    urls.original = await objects.presignDownload(record.originalKey);
  }
  if (record.thumbnails) {
    urls.thumb = await objects.presignDownload(record.thumbnails.thumb.key);
    urls.preview = await objects.presignDownload(record.thumbnails.preview.key);
  }
  return urls;
}

export async function getImage(deps: GetImageDeps, userId: string, id: string): Promise<Image> {
  const record = await getOwnedImage(deps.images, userId, id);
  return toImage(record, await presignImageUrls(deps.objects, record));
}
