/**
 * The SDK writes the API's types out, so it has no runtime dependencies; this file fails `tsc`
 * (`npm run typecheck`) when they drift from the server's. It is checked, never run: a vitest test of
 * types passes whatever the types say.
 */
import type {
  ALLOWED_CONTENT_TYPES as SERVER_CONTENT_TYPES,
  CreateImageInput as ServerCreateInput,
  Image as ServerImage,
  ListImagesQuery as ServerListQuery,
  UpdateImageInput as ServerUpdateInput,
  PresignedUpload as ServerUpload,
} from "@picstack/core";
import type {
  ALLOWED_CONTENT_TYPES,
  CreateImageInput,
  Image,
  ListImagesQuery,
  PresignedUpload,
  UpdateImageInput,
} from "../src/index.js";

/** `true` only when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;

export type TheSdkMatchesTheServer = [
  Holds<Same<Image, ServerImage>>,
  Holds<Same<PresignedUpload, ServerUpload>>,
  Holds<Same<CreateImageInput, ServerCreateInput>>,
  Holds<Same<UpdateImageInput, ServerUpdateInput>>,
  // The server's query has defaults (limit, order) that make its fields required after parsing.
  Holds<Same<Required<ListImagesQuery>, Required<ServerListQuery>>>,
  // The same types, in the same order.
  Holds<Same<typeof ALLOWED_CONTENT_TYPES, typeof SERVER_CONTENT_TYPES>>,
];

// The checks bite: each line below would compile if `Same` took a type that merely fits for the same.
export type TheChecksBite = [
  // @ts-expect-error an Image with one field more is not the server's Image
  Holds<Same<Image & { extra: string }, ServerImage>>,
  // @ts-expect-error the server's Image with one optional field more is not the SDK's
  Holds<Same<Image, ServerImage & { extra?: string }>>,
  // @ts-expect-error a list of any strings is not the server's list of types
  Holds<Same<typeof SERVER_CONTENT_TYPES, readonly string[]>>,
];
