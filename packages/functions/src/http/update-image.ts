/** PATCH /images/{id}: change the note and/or the tags. */
import { systemClock, updateImage, updateImageInput } from "@picstack/core";
import { imageRepository, objectStore } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http(
  { auth: true, body: updateImageInput },
  async ({ userId, pathParameters, body }) => {
    const deps = { images: imageRepository(), objects: objectStore(), clock: systemClock };
    return json(200, await updateImage(deps, userId, imageIdParam(pathParameters), body));
  },
);
