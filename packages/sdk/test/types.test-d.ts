/**
 * The SDK writes the API's types out, so it has no runtime dependencies; this file fails `tsc`
 * (`npm run typecheck`) when they drift from the server's. It is checked, never run: a vitest test of
 * types passes whatever the types say.
 */
import type {
  ALLOWED_CONTENT_TYPES as SERVER_CONTENT_TYPES,
  SEARCH_FIELDS as SERVER_SEARCH_FIELDS,
  CreatedImage as ServerCreated,
  CreateImageInput as ServerCreateInput,
  Image as ServerImage,
  ListImagesQuery as ServerListQuery,
  SearchField as ServerSearchField,
  SearchHit as ServerSearchHit,
  SearchMode as ServerSearchMode,
  SearchQuery as ServerSearchQuery,
  SearchSort as ServerSearchSort,
  SimilarHit as ServerSimilarHit,
  SimilarKind as ServerSimilarKind,
  UpdateImageInput as ServerUpdateInput,
  PresignedUpload as ServerUpload,
} from "@picstack/core";
import type {
  ALLOWED_CONTENT_TYPES,
  CreatedImage,
  CreateImageInput,
  Image,
  ListImagesQuery,
  PresignedUpload,
  SEARCH_FIELDS,
  SearchField,
  SearchMode,
  SearchParams,
  SearchResult,
  SearchSort,
  SimilarKind,
  SimilarResult,
  UpdateImageInput,
} from "../src/index.js";

/** `true` only when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
/** One object type with T's members, so a type made with Omit compares like the object it amounts to. */
type Flat<T> = { [K in keyof T]: T[K] };

export type TheSdkMatchesTheServer = [
  Holds<Same<Image, ServerImage>>,
  Holds<Same<PresignedUpload, ServerUpload>>,
  Holds<Same<CreateImageInput, ServerCreateInput>>,
  Holds<Same<CreatedImage, ServerCreated>>,
  Holds<Same<UpdateImageInput, ServerUpdateInput>>,
  // The server's query has defaults (limit, order) that make its fields required after parsing.
  Holds<Same<Required<ListImagesQuery>, Required<ServerListQuery>>>,
  // The same types, in the same order.
  Holds<Same<typeof ALLOWED_CONTENT_TYPES, typeof SERVER_CONTENT_TYPES>>,
  // Search: the names and a result's score and matched fields are the engine's (core/src/search). The
  // server's response schemas for the search routes come with the search API; at that merge, compare
  // SearchParams, SearchPage and SimilarPage with them whole, as Image is above.
  Holds<Same<typeof SEARCH_FIELDS, typeof SERVER_SEARCH_FIELDS>>,
  Holds<Same<SearchField, ServerSearchField>>,
  Holds<Same<SearchMode, ServerSearchMode>>,
  Holds<Same<SearchSort, ServerSearchSort>>,
  Holds<Same<SimilarKind, ServerSimilarKind>>,
  Holds<Same<Flat<Omit<SearchResult, "image">>, Flat<Omit<ServerSearchHit, "id">>>>,
  Holds<Same<Flat<Omit<SimilarResult, "image">>, Flat<Omit<ServerSimilarHit, "id">>>>,
  // The filters a search takes are the engine's (its query has defaults filled in, and the vector).
  Holds<
    Same<
      Required<Pick<SearchParams, "query" | "tag" | "from" | "to" | "mode" | "sort" | "minScore">>,
      Required<Pick<ServerSearchQuery, "query" | "tag" | "from" | "to" | "mode" | "sort" | "minScore">>
    >
  >,
];

// The checks bite: each line below would compile if `Same` took a type that merely fits for the same.
export type TheChecksBite = [
  // @ts-expect-error an Image with one field more is not the server's Image
  Holds<Same<Image & { extra: string }, ServerImage>>,
  // @ts-expect-error the server's Image with one optional field more is not the SDK's
  Holds<Same<Image, ServerImage & { extra?: string }>>,
  // @ts-expect-error a list of any strings is not the server's list of types
  Holds<Same<typeof SERVER_CONTENT_TYPES, readonly string[]>>,
  // @ts-expect-error an Image whose checksum has another shape is not the server's
  Holds<Same<Flat<Omit<Image, "checksum"> & { checksum?: { sha256: number } }>, ServerImage>>,
  // @ts-expect-error a result with one matched field fewer is not the engine's hit
  Holds<Same<Omit<SearchResult, "image" | "matched"> & { matched: "note"[] }, Omit<ServerSearchHit, "id">>>,
];
