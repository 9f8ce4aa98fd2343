/**
 * HEVC-coded HEIF images (what phones call HEIC) to pixels. Prebuilt libvips reads the HEIF container but
 * has no HEVC decoder, so these are decoded by libheif compiled to WebAssembly (npm `libheif-js`, which
 * bundles the libde265 HEVC decoder) and handed to sharp as raw pixels.
 *
 * libheif does the format's work: the primary image of a multi-image file, grids of tiles, the file's
 * transforms (`irot`, `imir`, `clap`), 10-bit to 8-bit, alpha, and it ignores auxiliary images (depth,
 * HDR gain maps). This module adds the limits and the memory discipline:
 * - The pixel limit, the HEVC picture-size limit and a tile limit are checked from the header, before
 *   anything is decoded.
 * - A grid (how phones store photos) is decoded one tile at a time into one buffer outside the
 *   WebAssembly memory, so a 100 MP grid needs its 3 bytes a pixel (4 with alpha) plus one tile, not libheif's
 *   full-size YCbCr and RGB copies (see docs/architecture.md, "HEIC"). Its crop is applied while the
 *   tiles are copied; the turn and mirror are returned for sharp to apply (`rotate`, `flop`).
 * - A single picture (at most 35.65 MP, HEVC's limit) is decoded and transformed by libheif as a whole,
 *   on a libheif instance of its own, and handed to sharp without a copy; `release()` drops the instance.
 * - WebAssembly memory only grows, so no instance keeps a large picture's memory for the rest of the
 *   worker's life: a dropped one is collected at once, and the shared one (headers, grids) is dropped
 *   too should it ever grow past `KEEP_HEAP_BYTES`. A new instance costs ~10 ms (V8 caches the
 *   compiled module).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ImageRejectedError } from "@picstack/core";

/** HEVC's largest picture (MaxLumaPs of levels 6 to 6.2): a bigger picture is not valid HEVC. */
export const HEVC_MAX_PICTURE_SAMPLES = 35_651_584;
/** HEVC's largest picture side (√(8 × MaxLumaPs)). */
export const HEVC_MAX_PICTURE_SIDE = 16_888;
/** Phones tile at 512×512 (192 tiles for 48 MP); more tiles than this are refused before decoding. */
export const MAX_TILES = 4096;

export interface HeifLimits {
  /** Images with more pixels are refused (as the worker's other decoders do). */
  maxPixels: number;
  /** Grids with more tiles are refused (default `MAX_TILES`). */
  maxTiles?: number;
}

export interface HeifHeader {
  /** As displayed: after the file's transforms. */
  width: number;
  height: number;
  hasAlpha: boolean;
  /**
   * Whether the file orients the image itself (`irot` or `imir`); decoding applies them, and EXIF
   * orientation, which repeats them, must then not be applied.
   */
  oriented: boolean;
  tiles: number;
  /** The largest coded picture: the whole image, or one tile of a grid. */
  tileWidth: number;
  tileHeight: number;
  /** The primary image's EXIF, from its TIFF header on. */
  exif?: Buffer;
  /** Its ICC profile (`colr` of type `prof` or `rICC`). */
  icc?: Buffer;
}

/**
 * Whether the file's brands say HEVC-coded HEIF (ISO/IEC 23008-12: `heic`, `heix` and the other HEVC
 * brands), as a phone's HEIC; AVIF (AV1) and plain `mif1` files are left to libvips.
 */
export function isHevcHeif(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 16) return false;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.toString("latin1", 4, 8) !== "ftyp") return false;
  const size = Math.min(view.readUInt32BE(0), view.byteLength, 1024);
  const major = view.toString("latin1", 8, 12);
  if (major === "avif" || major === "avis") return false;
  const brands = [major];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(view.toString("latin1", at, at + 4));
  return brands.some((b) => HEVC_BRANDS.has(b));
}

const HEVC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);

export interface HeifPixels {
  /** Interleaved 8-bit RGB or RGBA, rows top to bottom, cropped; `rotate` and `flop` still to apply. */
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
  /** As in the header: the file orients the image, so EXIF orientation must not be applied. */
  oriented: boolean;
  /** The rest of the file's transforms: turn clockwise by `rotate`°, then mirror left to right if `flop`. */
  rotate: 0 | 90 | 180 | 270;
  flop: boolean;
  /**
   * Frees the pixels now (call it once, when sharp has read them): hundreds of MB for a large photo,
   * which the next image of a batch must not meet. Until then `data` stays valid.
   */
  release(): void;
}

/** A transform property as libheif reports it. */
export type HeifTransformProperty =
  | { rotateCcw: number }
  | { mirror: "top-bottom" | "left-right" }
  | { crop: (width: number, height: number) => { left: number; top: number; right: number; bottom: number } };

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The file's transforms, in order, as one crop of the coded image followed by a clockwise turn and a
 * left-right mirror (every sequence of quarter turns, mirrors and crops reduces to that).
 */
export function orientationPlan(
  transforms: ReadonlyArray<HeifTransformProperty>,
  width: number,
  height: number,
): { crop: Rect; turns: 0 | 1 | 2 | 3; flop: boolean } {
  let crop: Rect = { left: 0, top: 0, width, height };
  let turns = 0;
  let flop = false;
  for (const t of transforms) {
    if ("rotateCcw" in t) {
      const k = (4 - Math.round(t.rotateCcw / 90)) & 3;
      // Turning a mirrored image clockwise is mirroring an image turned the other way.
      turns = (flop ? turns - k : turns + k) & 3;
    } else if ("mirror" in t) {
      // Top-bottom is left-right after a half turn.
      if (t.mirror === "top-bottom") turns = (turns + 2) & 3;
      flop = !flop;
    } else {
      const swapped = (turns & 1) === 1;
      const shownWidth = swapped ? crop.height : crop.width;
      const shownHeight = swapped ? crop.width : crop.height;
      const b = t.crop(shownWidth, shownHeight);
      // The kept rectangle as shown, then back through the mirror and the turns to coded coordinates.
      let x0 = b.left;
      let x1 = shownWidth - b.right;
      const y0 = b.top;
      const y1 = shownHeight - b.bottom;
      if (x1 <= x0 || y1 <= y0) throw corrupt();
      if (flop) [x0, x1] = [shownWidth - x1, shownWidth - x0];
      let r = { x0, x1, y0, y1 };
      let w = shownWidth;
      let h = shownHeight;
      for (let i = 0; i < turns; i++) {
        // Undo one clockwise turn: a point (x, y) shown came from (y, w - x) in the image before it.
        r = { x0: r.y0, x1: r.y1, y0: w - r.x1, y1: w - r.x0 };
        [w, h] = [h, w];
      }
      crop = { left: crop.left + r.x0, top: crop.top + r.y0, width: r.x1 - r.x0, height: r.y1 - r.y0 };
    }
  }
  return { crop, turns: turns as 0 | 1 | 2 | 3, flop };
}

/** The part of libheif's C API (as exported by the Emscripten build) this module calls. */
interface Libheif {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _heif_context_alloc(): number;
  _heif_context_free(ctx: number): void;
  _heif_context_read_from_memory_without_copy(
    err: number,
    ctx: number,
    mem: number,
    size: number,
    options: number,
  ): void;
  _heif_context_get_primary_image_handle(err: number, ctx: number, out: number): void;
  _heif_image_handle_release(handle: number): void;
  _heif_image_handle_get_width(handle: number): number;
  _heif_image_handle_get_height(handle: number): number;
  _heif_image_handle_has_alpha_channel(handle: number): number;
  _heif_image_handle_get_item_id(handle: number): number;
  _heif_image_handle_get_image_tiling(err: number, handle: number, transformed: number, out: number): void;
  _heif_item_get_transformation_properties(ctx: number, item: number, out: number, count: number): number;
  _heif_decoding_options_alloc(): number;
  _heif_decoding_options_free(options: number): void;
  _heif_image_handle_decode_image_tile(
    err: number,
    handle: number,
    out: number,
    colorspace: number,
    chroma: number,
    options: number,
    tileX: number,
    tileY: number,
  ): void;
  _heif_decode_image(
    err: number,
    handle: number,
    out: number,
    colorspace: number,
    chroma: number,
    options: number,
  ): void;
  _heif_item_get_property_type(ctx: number, item: number, property: number): number;
  _heif_item_get_property_transform_rotation_ccw(ctx: number, item: number, property: number): number;
  _heif_item_get_property_transform_mirror(ctx: number, item: number, property: number): number;
  _heif_item_get_property_transform_crop_borders(
    ctx: number,
    item: number,
    property: number,
    width: number,
    height: number,
    left: number,
    top: number,
    right: number,
    bottom: number,
  ): void;
  _heif_image_get_plane_readonly2(image: number, channel: number, stride: number): number;
  _heif_image_get_width(image: number, channel: number): number;
  _heif_image_get_height(image: number, channel: number): number;
  _heif_image_release(image: number): void;
  _heif_image_handle_get_number_of_metadata_blocks(handle: number, type: number): number;
  _heif_image_handle_get_list_of_metadata_block_IDs(
    handle: number,
    type: number,
    ids: number,
    count: number,
  ): number;
  _heif_image_handle_get_metadata_size(handle: number, id: number): number;
  _heif_image_handle_get_metadata(err: number, handle: number, id: number, out: number): void;
  _heif_image_handle_get_color_profile_type(handle: number): number;
  _heif_image_handle_get_raw_color_profile_size(handle: number): number;
  _heif_image_handle_get_raw_color_profile(err: number, handle: number, out: number): void;
}

// libheif's enum values (heif_error_code, heif_colorspace, heif_chroma, heif_channel).
const ERROR = { unsupportedFiletype: 3, unsupportedFeature: 4, memory: 6, pluginLoading: 11 } as const;
const SUBERROR_SECURITY_LIMIT = 1000;
const COLORSPACE_RGB = 1;
const CHROMA_RGB = 10;
const CHROMA_RGBA = 11;
const CHANNEL_INTERLEAVED = 10;
const fourcc = (s: string) => [...s].reduce((v, c) => (v << 8) | c.charCodeAt(0), 0) >>> 0;
const PROPERTY = { irot: fourcc("irot"), imir: fourcc("imir"), clap: fourcc("clap") } as const;
const ICC_PROFILES = new Set([fourcc("prof"), fourcc("rICC")]);
/** Metadata this large is not read (the worker keeps two EXIF fields). */
const MAX_METADATA_BYTES = 1024 * 1024;
/** heif_transform_mirror_direction: 0 flips top and bottom, 1 left and right. */
const MIRROR_LEFT_RIGHT = 1;
/** heif_decoding_options.ignore_transformations (the byte after `version`). */
const IGNORE_TRANSFORMATIONS_OFFSET = 1;
/** struct heif_image_tiling (version, columns, rows, tile size, image size, offsets, extra dimensions). */
const TILING_BYTES = 72;

/**
 * WebAssembly memory only grows. The shared libheif (headers, grids decoded one tile at a time: tens of
 * MB) is dropped once its files are closed if it ever grew past this, and collected at once.
 */
export const KEEP_HEAP_BYTES = 128 * 1024 * 1024;

let loading: Promise<() => Libheif> | undefined;

/** The process's libheif: the module is loaded on first use, so a worker that never sees HEIC never loads it. */
interface Instance {
  lib: Libheif;
  /** Files open on it. */
  open: number;
  /** It trapped (an abort inside the decoder): its state cannot be trusted. */
  poisoned: boolean;
}

let shared: Instance | undefined;

/** libheif's module factory, loaded once, on first use. */
function libheif(): Promise<() => Libheif> {
  loading ??= import("libheif-js/libheif-wasm/libheif-bundle.js").then(
    (m) => (m.default ?? m) as unknown as () => Libheif,
  );
  return loading;
}

async function acquire(): Promise<Instance> {
  if (!shared) {
    const factory = await libheif();
    // Another caller may have made one while this one waited for the module.
    shared ??= { lib: factory(), open: 0, poisoned: false };
  }
  shared.open++;
  return shared;
}

/** A libheif of its own, for one large picture: dropped (and collected) when its file is released. */
async function privateInstance(): Promise<Instance> {
  const factory = await libheif();
  // Marked poisoned so that it is never reused: release() drops it with its last file.
  return { lib: factory(), open: 1, poisoned: true };
}

/** Closes a file's hold on its instance; returns whether the instance was dropped (and should be collected). */
function release(instance: Instance, trapped: boolean): boolean {
  instance.open--;
  if (trapped) instance.poisoned = true;
  const drop = instance.open === 0 && (instance.poisoned || instance.lib.HEAPU8.byteLength > KEEP_HEAP_BYTES);
  if (drop && shared === instance) shared = undefined;
  return drop;
}

/**
 * Frees a large buffer now rather than at the next garbage collection (`ArrayBuffer.prototype.transfer`,
 * Node 22; on older runtimes the collector frees it).
 */
function releaseNow(buffer: Buffer): void {
  const backing = buffer.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (buffer.byteOffset === 0 && buffer.byteLength === backing.byteLength) backing.transfer?.(0);
}

let gc: (() => void) | null | undefined;

/**
 * Runs a full garbage collection, so a dropped instance's memory (hundreds of MB after a large picture)
 * is returned before the next image is decoded: V8 does not count WebAssembly memory towards its own
 * collection triggers. `--expose-gc` is set for a new context only (the technique of jest's
 * `jest-leak-detector`), so the function needs no runtime flag; should it fail, the collector frees the
 * memory in its own time.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]: V });
}

function corrupt(): ImageRejectedError {
  return new ImageRejectedError("corrupt_image", "The image could not be decoded");
}

/** libheif's error as the worker's code: a codec nobody here has is unsupported, the rest is broken. */
function rejectionFor(code: number, subcode: number): ImageRejectedError {
  if (
    code === ERROR.unsupportedFiletype ||
    code === ERROR.unsupportedFeature ||
    code === ERROR.pluginLoading
  ) {
    return new ImageRejectedError(
      "unsupported_format",
      "The HEIF image is coded in a format that cannot be decoded",
    );
  }
  if (code === ERROR.memory && subcode === SUBERROR_SECURITY_LIMIT) {
    return new ImageRejectedError("corrupt_image", "The HEIF file exceeds the decoder's structural limits");
  }
  return corrupt();
}

/** One file open in one libheif instance; `close()` frees everything it allocated. */
class HeifFile {
  private scratch: number;
  private data: number;
  private ctx: number;
  private handle = 0;

  private readonly lib: Libheif;

  private constructor(
    readonly instance: Instance,
    bytes: Uint8Array,
  ) {
    const lib = instance.lib;
    this.lib = lib;
    // Scratch: a heif_error (12 bytes) at 0, an out pointer at 16, a stride at 20, crop borders at 24,
    // the tiling struct at 48, a list of 16 transform property ids at 128, a C string at 192.
    this.scratch = lib._malloc(256);
    this.data = lib._malloc(Math.max(1, bytes.byteLength));
    this.ctx = lib._heif_context_alloc();
    if (!this.scratch || !this.data || !this.ctx) {
      this.close();
      throw corrupt();
    }
    lib.HEAPU8.set(bytes, this.data);
  }

  /** Opens the file on `instance` (which the caller releases, whatever happens). */
  static open(instance: Instance, bytes: Uint8Array): HeifFile {
    const file = new HeifFile(instance, bytes);
    try {
      const { lib } = file;
      lib._heif_context_read_from_memory_without_copy(file.err, file.ctx, file.data, bytes.byteLength, 0);
      file.check();
      lib._heif_context_get_primary_image_handle(file.err, file.ctx, file.out);
      file.check();
      file.handle = file.u32(file.out);
      return file;
    } catch (error) {
      file.close();
      throw error;
    }
  }

  private get err() {
    return this.scratch;
  }
  private get out() {
    return this.scratch + 16;
  }
  private get strideOut() {
    return this.scratch + 20;
  }
  private get borders() {
    return this.scratch + 24;
  }
  private get tilingStruct() {
    return this.scratch + 48;
  }
  private get transformList() {
    return this.scratch + 48 + TILING_BYTES + 8;
  }
  private get text() {
    return this.scratch + 192;
  }

  /** Copies `size` bytes that `fill(pointer)` writes into WebAssembly memory out of it. */
  private bytesFrom(size: number, fill: (ptr: number) => void): Buffer | undefined {
    if (size <= 0 || size > MAX_METADATA_BYTES) return undefined;
    const ptr = this.lib._malloc(size);
    if (!ptr) return undefined;
    try {
      fill(ptr);
      if (this.u32(this.err) !== 0) return undefined;
      return Buffer.from(this.lib.HEAPU8.subarray(ptr, ptr + size));
    } finally {
      this.lib._free(ptr);
    }
  }

  /** The primary image's first EXIF block, from its TIFF header on (HEIF puts an offset before it). */
  private exif(): Buffer | undefined {
    const { lib } = this;
    lib.HEAPU8.set(Buffer.from("Exif\0", "latin1"), this.text);
    if (lib._heif_image_handle_get_number_of_metadata_blocks(this.handle, this.text) < 1) return undefined;
    if (lib._heif_image_handle_get_list_of_metadata_block_IDs(this.handle, this.text, this.out, 1) < 1)
      return undefined;
    const id = this.u32(this.out);
    const block = this.bytesFrom(lib._heif_image_handle_get_metadata_size(this.handle, id), (ptr) =>
      lib._heif_image_handle_get_metadata(this.err, this.handle, id, ptr),
    );
    if (!block || block.length < 4) return undefined;
    const start = 4 + block.readUInt32BE(0);
    return start < block.length ? block.subarray(start) : undefined;
  }

  private icc(): Buffer | undefined {
    const { lib } = this;
    if (!ICC_PROFILES.has(lib._heif_image_handle_get_color_profile_type(this.handle) >>> 0)) return undefined;
    return this.bytesFrom(lib._heif_image_handle_get_raw_color_profile_size(this.handle), (ptr) =>
      lib._heif_image_handle_get_raw_color_profile(this.err, this.handle, ptr),
    );
  }

  private u32(ptr: number): number {
    // A fresh view each time: the memory's buffer is replaced whenever it grows.
    return new DataView(this.lib.HEAPU8.buffer).getUint32(ptr, true);
  }

  private check(): void {
    const code = this.u32(this.err);
    if (code !== 0) throw rejectionFor(code, this.u32(this.err + 4));
  }

  tiling(transformed: boolean) {
    this.lib.HEAPU8.fill(0, this.tilingStruct, this.tilingStruct + TILING_BYTES);
    this.lib._heif_image_handle_get_image_tiling(
      this.err,
      this.handle,
      transformed ? 1 : 0,
      this.tilingStruct,
    );
    this.check();
    const field = (i: number) => this.u32(this.tilingStruct + 4 * i);
    return {
      columns: field(1),
      rows: field(2),
      tileWidth: field(3),
      tileHeight: field(4),
      width: field(5),
      height: field(6),
      top: field(7),
      left: field(8),
    };
  }

  header(): HeifHeader {
    const { lib } = this;
    const coded = this.tiling(false);
    return {
      width: lib._heif_image_handle_get_width(this.handle),
      height: lib._heif_image_handle_get_height(this.handle),
      hasAlpha: lib._heif_image_handle_has_alpha_channel(this.handle) !== 0,
      oriented: this.transforms().some((t) => !("crop" in t)),
      tiles: coded.columns * coded.rows,
      tileWidth: coded.tileWidth,
      tileHeight: coded.tileHeight,
      ...withDefined("exif", this.exif()),
      ...withDefined("icc", this.icc()),
    };
  }

  /** The primary image's transform properties, in the order the file lists them. */
  transforms(): HeifTransformProperty[] {
    const { lib } = this;
    const item = lib._heif_image_handle_get_item_id(this.handle);
    const count = lib._heif_item_get_transformation_properties(this.ctx, item, this.transformList, 16);
    const out: HeifTransformProperty[] = [];
    for (let i = 0; i < count; i++) {
      const property = this.u32(this.transformList + 4 * i);
      const type = lib._heif_item_get_property_type(this.ctx, item, property) >>> 0;
      if (type === PROPERTY.irot) {
        out.push({ rotateCcw: lib._heif_item_get_property_transform_rotation_ccw(this.ctx, item, property) });
      } else if (type === PROPERTY.imir) {
        const direction = lib._heif_item_get_property_transform_mirror(this.ctx, item, property);
        out.push({ mirror: direction === MIRROR_LEFT_RIGHT ? "left-right" : "top-bottom" });
      } else if (type === PROPERTY.clap) {
        out.push({
          crop: (width, height) => {
            const b = this.borders;
            lib._heif_item_get_property_transform_crop_borders(
              this.ctx,
              item,
              property,
              width,
              height,
              b,
              b + 4,
              b + 8,
              b + 12,
            );
            const view = new DataView(lib.HEAPU8.buffer);
            return {
              left: view.getInt32(b, true),
              top: view.getInt32(b + 4, true),
              right: view.getInt32(b + 8, true),
              bottom: view.getInt32(b + 12, true),
            };
          },
        });
      } else {
        throw corrupt();
      }
    }
    return out;
  }

  /** Copies an image's interleaved plane (rows `top`…, columns `left`…) into `into` at (`x`, `y`). */
  private copyPlane(
    image: number,
    channels: number,
    region: Rect,
    into: { data: Buffer; width: number; x: number; y: number },
  ): void {
    const { lib } = this;
    const plane = lib._heif_image_get_plane_readonly2(image, CHANNEL_INTERLEAVED, this.strideOut);
    const stride = this.u32(this.strideOut);
    const width = lib._heif_image_get_width(image, CHANNEL_INTERLEAVED);
    const height = lib._heif_image_get_height(image, CHANNEL_INTERLEAVED);
    // A picture smaller than its place says (its HEVC stream disagrees with the header).
    if (!plane || width < region.left + region.width || height < region.top + region.height) throw corrupt();
    const heap = lib.HEAPU8;
    const rowBytes = region.width * channels;
    for (let y = 0; y < region.height; y++) {
      const from = plane + (region.top + y) * stride + region.left * channels;
      into.data.set(heap.subarray(from, from + rowBytes), ((into.y + y) * into.width + into.x) * channels);
    }
  }

  /**
   * A decoded picture's interleaved plane as a Buffer over the WebAssembly memory, its rows moved
   * together in place (libheif pads them to 16 bytes): no second copy of a picture of up to 35 MP.
   * Valid until the image is released or the memory grows, so only on an instance of its own.
   */
  private packedView(image: number, channels: number): { data: Buffer; width: number; height: number } {
    const { lib } = this;
    const plane = lib._heif_image_get_plane_readonly2(image, CHANNEL_INTERLEAVED, this.strideOut);
    const stride = this.u32(this.strideOut);
    const width = lib._heif_image_get_width(image, CHANNEL_INTERLEAVED);
    const height = lib._heif_image_get_height(image, CHANNEL_INTERLEAVED);
    const rowBytes = width * channels;
    if (!plane || width <= 0 || height <= 0 || stride < rowBytes) throw corrupt();
    const heap = lib.HEAPU8;
    // Each row moves to a lower address than it is read from, so going down the rows is safe.
    if (stride !== rowBytes) {
      for (let y = 1; y < height; y++)
        heap.copyWithin(plane + y * rowBytes, plane + y * stride, plane + y * stride + rowBytes);
    }
    return { data: Buffer.from(heap.buffer, plane, rowBytes * height), width, height };
  }

  private decodedImage(): number {
    const image = this.u32(this.out);
    if (!image) throw corrupt();
    return image;
  }

  /**
   * The primary image's pixels. A grid is decoded tile by tile, untransformed, keeping only the crop;
   * a single picture is decoded and transformed by libheif. Yields between rows of tiles.
   */
  async pixels(hasAlpha: boolean): Promise<Omit<HeifPixels, "oriented">> {
    const { lib } = this;
    const channels = hasAlpha ? 4 : 3;
    const chroma = hasAlpha ? CHROMA_RGBA : CHROMA_RGB;
    const coded = this.tiling(false);
    const options = lib._heif_decoding_options_alloc();
    if (!options) throw corrupt();
    try {
      if (coded.columns * coded.rows <= 1) {
        lib._heif_decode_image(this.err, this.handle, this.out, COLORSPACE_RGB, chroma, options);
        this.check();
        const image = this.decodedImage();
        try {
          return {
            ...this.packedView(image, channels),
            channels,
            rotate: 0,
            flop: false,
            release: () => lib._heif_image_release(image),
          };
        } catch (error) {
          lib._heif_image_release(image);
          throw error;
        }
      }
      const plan = orientationPlan(this.transforms(), coded.width, coded.height);
      const { crop } = plan;
      if (
        crop.left < 0 ||
        crop.top < 0 ||
        crop.left + crop.width > coded.width ||
        crop.top + crop.height > coded.height
      ) {
        throw corrupt();
      }
      lib.HEAPU8[options + IGNORE_TRANSFORMATIONS_OFFSET] = 1;
      const data = Buffer.alloc(crop.width * crop.height * channels);
      const { tileWidth, tileHeight } = coded;
      for (let ty = Math.floor(crop.top / tileHeight); ty * tileHeight < crop.top + crop.height; ty++) {
        for (let tx = Math.floor(crop.left / tileWidth); tx * tileWidth < crop.left + crop.width; tx++) {
          lib._heif_image_handle_decode_image_tile(
            this.err,
            this.handle,
            this.out,
            COLORSPACE_RGB,
            chroma,
            options,
            tx,
            ty,
          );
          this.check();
          const image = this.decodedImage();
          try {
            // The part of this tile inside the crop, in tile and in crop coordinates.
            const left = Math.max(crop.left, tx * tileWidth);
            const top = Math.max(crop.top, ty * tileHeight);
            const right = Math.min(crop.left + crop.width, (tx + 1) * tileWidth);
            const bottom = Math.min(crop.top + crop.height, (ty + 1) * tileHeight);
            this.copyPlane(
              image,
              channels,
              {
                left: left - tx * tileWidth,
                top: top - ty * tileHeight,
                width: right - left,
                height: bottom - top,
              },
              { data, width: crop.width, x: left - crop.left, y: top - crop.top },
            );
          } finally {
            lib._heif_image_release(image);
          }
        }
        // Other records' network calls (the AI provider) go on between rows of tiles.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return {
        data,
        width: crop.width,
        height: crop.height,
        channels,
        rotate: (plan.turns * 90) as HeifPixels["rotate"],
        flop: plan.flop,
        release: () => releaseNow(data),
      };
    } finally {
      lib._heif_decoding_options_free(options);
    }
  }

  close(): void {
    const { lib } = this;
    if (this.handle) lib._heif_image_handle_release(this.handle);
    if (this.ctx) lib._heif_context_free(this.ctx);
    if (this.data) lib._free(this.data);
    if (this.scratch) lib._free(this.scratch);
    this.handle = 0;
    this.ctx = 0;
    this.data = 0;
    this.scratch = 0;
  }
}

/**
 * Decodes the primary image of HEVC-coded HEIF files within the worker's limits.
 *
 * @example
 * const decoder = new HeifDecoder({ maxPixels: 100_000_000 });
 * const { data, width, height, channels } = await decoder.decode(bytes);
 * const preview = sharp(data, { raw: { width, height, channels } }).resize(1024, 1024, { fit: "inside" });
 */
export class HeifDecoder {
  constructor(private readonly limits: HeifLimits) {}

  /** Reads and checks the header (no pixels are decoded). Throws `ImageRejectedError`. */
  async header(bytes: Uint8Array): Promise<HeifHeader> {
    return this.withFile(bytes, (file) => this.checked(file.header()));
  }

  /**
   * Checks the header, then decodes; call `release()` on the result once its pixels are read. A grid
   * is decoded on the shared libheif; a single picture (up to 35 MP, decoded whole) on a libheif of its
   * own, handed out without a copy and dropped with `release()`. Throws `ImageRejectedError`.
   */
  async decode(bytes: Uint8Array): Promise<HeifPixels & { header: HeifHeader }> {
    const header = await this.header(bytes);
    const own = header.tiles <= 1;
    const instance = own ? await privateInstance() : await acquire();
    let file: HeifFile | undefined;
    let pixels: Omit<HeifPixels, "oriented"> | undefined;
    const done = (trapped: boolean) => {
      try {
        file?.close();
      } catch {
        trapped = true;
      }
      file = undefined;
      // Collected once this call's frame (which still holds the instance) is gone.
      if (release(instance, trapped)) setImmediate(collectGarbage);
    };
    try {
      file = HeifFile.open(instance, bytes);
      pixels = await file.pixels(header.hasAlpha);
      const turned = pixels.rotate === 90 || pixels.rotate === 270;
      const [width, height] = turned ? [pixels.height, pixels.width] : [pixels.width, pixels.height];
      if (width !== header.width || height !== header.height) throw corrupt();
    } catch (error) {
      pixels?.release();
      done(!(error instanceof ImageRejectedError));
      if (error instanceof ImageRejectedError) throw error;
      throw corrupt();
    }
    const decoded = pixels;
    if (own) {
      // The view lives in this instance's memory: it goes when the pixels do.
      let released = false;
      return {
        ...decoded,
        oriented: header.oriented,
        header,
        release: () => {
          if (released) return;
          released = true;
          decoded.release();
          done(false);
        },
      };
    }
    done(false);
    return { ...decoded, oriented: header.oriented, header };
  }

  private checked(header: HeifHeader): HeifHeader {
    const { width, height, tiles, tileWidth, tileHeight } = header;
    if (!width || !height || !tileWidth || !tileHeight) {
      throw new ImageRejectedError("corrupt_image", "The image has no readable dimensions");
    }
    if (width * height > this.limits.maxPixels) {
      throw new ImageRejectedError("too_many_pixels", `The image is ${width}×${height} pixels`);
    }
    if (
      tileWidth * tileHeight > HEVC_MAX_PICTURE_SAMPLES ||
      Math.max(tileWidth, tileHeight) > HEVC_MAX_PICTURE_SIDE
    ) {
      throw new ImageRejectedError(
        "too_many_pixels",
        `The image is one HEVC picture of ${tileWidth}×${tileHeight} pixels, more than HEVC allows in one picture (larger photos are stored as tiles)`,
      );
    }
    const maxTiles = this.limits.maxTiles ?? MAX_TILES;
    if (tiles > maxTiles) {
      throw new ImageRejectedError(
        "unsupported_format",
        `The image has ${tiles} tiles; at most ${maxTiles} are supported`,
      );
    }
    return header;
  }

  private async withFile<T>(bytes: Uint8Array, work: (file: HeifFile) => T | Promise<T>): Promise<T> {
    const instance = await acquire();
    let trapped = false;
    try {
      const file = HeifFile.open(instance, bytes);
      try {
        return await work(file);
      } finally {
        file.close();
      }
    } catch (error) {
      if (error instanceof ImageRejectedError) throw error;
      // A WebAssembly trap (an abort inside the decoder), or one while closing after it.
      trapped = true;
      throw corrupt();
    } finally {
      // Collected once this call's frame (which still holds the instance) is gone.
      if (release(instance, trapped)) setImmediate(collectGarbage);
    }
  }
}
