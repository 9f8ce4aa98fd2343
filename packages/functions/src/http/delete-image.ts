/** DELETE /images/{id}: soft delete; gone from list and get at once, restorable until purged. */
import { deleteImage, systemClock } from "@picstack/core";
import { imageRepository, objectStore } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http({ auth: true }, async ({ userId, pathParameters }) => {
  await deleteImage(
    { images: imageRepository(), objects: objectStore(), clock: systemClock },
    userId,
    imageIdParam(pathParameters),
  );
  return json(204, undefined);
});
