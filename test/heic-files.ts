/**
 * Real HEVC HEIC files for the tests, the memory measurement and the bench, made from photos generated
 * with sharp. Debian's `heif-enc` (libheif-examples) does the encoding; what this version of it cannot
 * write (iPhone-style grids of tiles, `irot`/`imir` transforms, auxiliary images, a primary that is not
 * the first image, a codec nobody here decodes) is added afterwards by rewriting the file's `meta` box:
 * the coded images stay exactly as the encoder wrote them, only the item structure around them changes.
 *
 * Box layouts: ISO/IEC 14496-12 (iloc, iinf/infe, iref, iprp/ipco/ipma) and ISO/IEC 23008-12 (grid,
 * irot, imir, ispe, auxC).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";

/** The encoder, from Debian's libheif-examples. */
export const HEIF_ENC = process.env.PICSTACK_HEIF_ENC ?? "/usr/bin/heif-enc";

/** Throws the way to get heif-enc when it is not installed: the HEIC tests never skip. */
export function requireHeifEnc(): string {
  if (!existsSync(HEIF_ENC)) {
    throw new Error(
      `${HEIF_ENC} is missing: the HEIC tests make their files with heif-enc. Install Debian's ` +
        "libheif-examples (apt-get install libheif-examples; .ci/run does this), or set PICSTACK_HEIF_ENC.",
    );
  }
  return HEIF_ENC;
}

// ---------------------------------------------------------------------------------------------------
// Photos

/** Colours of the test photo: what a thumbnail is checked for. */
export const PHOTO = {
  sky: { r: 70, g: 140, b: 230 },
  ground: { r: 60, g: 150, b: 50 },
  marker: { r: 230, g: 40, b: 40 },
} as const;

/**
 * A photo-like picture, upright: sky over the top half, ground under it, a red marker in the top-left
 * corner (so a mirror shows), all with grain so the encoder has real work. Deterministic.
 */
export function photo(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  const px = Buffer.alloc(width * height * channels);
  let state = (width * 31 + height) >>> 0 || 1;
  const marker = Math.max(2, Math.round(Math.min(width, height) / 5));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const grain = ((state >>> 24) % 25) - 12;
      const colour = x < marker && y < marker ? PHOTO.marker : y < height / 2 ? PHOTO.sky : PHOTO.ground;
      const shade = Math.round((x / width) * 20);
      const i = (y * width + x) * channels;
      px[i] = clamp(colour.r + grain + shade);
      px[i + 1] = clamp(colour.g + grain);
      px[i + 2] = clamp(colour.b + grain - shade);
      // Opaque in the top half, see-through in the bottom half: alpha shows where it is kept.
      if (channels === 4) px[i + 3] = y < height / 2 ? 255 : 80;
    }
  }
  return sharp(px, { raw: { width, height, channels } });
}

/**
 * Mean colours where the upright photo has its marker (top-left), sky (top-right) and ground
 * (bottom-left), each over a tenth of the image: how a test sees whether a thumbnail is upright.
 */
export async function photoCorners(image: Buffer | Uint8Array) {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const w = Math.max(1, Math.round(info.width / 10));
  const h = Math.max(1, Math.round(info.height / 10));
  const mean = async (left: number, top: number) => {
    const part = await sharp(data, { raw: info })
      .extract({ left, top, width: w, height: h })
      .png()
      .toBuffer();
    const { channels } = await sharp(part).stats();
    return { r: channels[0]?.mean ?? 0, g: channels[1]?.mean ?? 0, b: channels[2]?.mean ?? 0 };
  };
  return {
    marker: await mean(0, 0),
    sky: await mean(info.width - w, 0),
    ground: await mean(0, info.height - h),
  };
}

/** Whether `photoCorners` found the photo upright: red marker, blue sky, green ground where they belong. */
export function isUpright(c: Awaited<ReturnType<typeof photoCorners>>): boolean {
  return c.marker.r > c.marker.b + 100 && c.sky.b > c.sky.r + 80 && c.ground.g > c.ground.b + 50;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// ---------------------------------------------------------------------------------------------------
// Orientation

/** A HEIF transform property, in the order the file lists it (the order a reader applies them). */
export type HeifTransform =
  | { irot: 0 | 1 | 2 | 3 }
  | { imir: 0 | 1 }
  /** A clean aperture: keep `width`×`height` at (`left`, `top`) of the image as it is at that point. */
  | {
      clap: {
        left: number;
        top: number;
        width: number;
        height: number;
        imageWidth: number;
        imageHeight: number;
      };
    };

/**
 * The stored pixels that show `upright` once `transforms` are applied in order, as libheif applies them:
 * `irot` turns anti-clockwise by 90° per step; `imir` 0 swaps top and bottom, `imir` 1 left and right.
 */
export async function storedFor(upright: Buffer, transforms: ReadonlyArray<HeifTransform>): Promise<Buffer> {
  let image = upright;
  // Undo the last transform first.
  for (const t of [...transforms].reverse()) {
    if ("clap" in t) throw new Error("a crop cannot be undone");
    const s = sharp(image);
    image = await ("irot" in t ? s.rotate(t.irot * 90) : t.imir === 0 ? s.flip() : s.flop()).png().toBuffer();
  }
  return image;
}

/** The stored pixels that show `upright` once EXIF orientation `orientation` is applied. */
export async function storedForExif(upright: Buffer, orientation: number): Promise<Buffer> {
  // EXIF orientation as HEIF transforms applied in order: the left-right mirror of 2, 4, 5, 7 after the turn.
  const turn = ({ 1: 0, 2: 0, 3: 2, 4: 2, 5: 3, 6: 3, 7: 1, 8: 1 } as const)[orientation as 1];
  const mirrored = [2, 4, 5, 7].includes(orientation);
  const transforms: HeifTransform[] = [{ irot: turn as 0 | 1 | 2 | 3 }];
  if (mirrored) transforms.push({ imir: 1 });
  return storedFor(upright, transforms);
}

// ---------------------------------------------------------------------------------------------------
// Encoding

export interface EncodeOptions {
  quality?: number;
  /** Encode from 16-bit PNGs at this depth (heif-enc's `-b`); 8-bit inputs otherwise. */
  bitDepth?: 10 | 12;
  /** EXIF for the first image: camera, and the orientation tag (which HEIF readers must not apply twice). */
  exif?: { make?: string; model?: string; orientation?: number; takenAt?: string };
}

/**
 * Encodes images (PNG or JPEG bytes, or sharp pipelines) into one HEIC with heif-enc: each becomes a
 * top-level HEVC image item, the first is primary. Alpha in an input becomes an alpha auxiliary image.
 */
export async function heifEnc(
  inputs: ReadonlyArray<Buffer | Sharp>,
  options: EncodeOptions = {},
): Promise<Buffer> {
  const tool = requireHeifEnc();
  const dir = await mkdtemp(join(tmpdir(), "picstack-heic-"));
  try {
    const files: string[] = [];
    for (const [i, input] of inputs.entries()) {
      // The input's ICC profile goes into the HEIC (a `colr` box), as a phone's Display P3 profile does.
      let s = (Buffer.isBuffer(input) ? sharp(input) : input.clone()).keepIccProfile();
      if (i === 0 && options.exif) {
        const { make, model, orientation, takenAt } = options.exif;
        s = s.withExif({
          IFD0: { ...(make ? { Make: make } : {}), ...(model ? { Model: model } : {}) },
          ...(takenAt ? { IFD2: { DateTimeOriginal: takenAt } } : {}),
        });
        if (orientation) s = s.withMetadata({ orientation });
      }
      const path = join(dir, `in-${String(i).padStart(4, "0")}.png`);
      await (options.bitDepth ? s.toColourspace("rgb16").png() : s.png()).toFile(path);
      files.push(path);
    }
    const out = join(dir, "out.heic");
    const args = [
      "-q",
      String(options.quality ?? 60),
      ...(options.bitDepth ? ["-b", String(options.bitDepth)] : []),
    ];
    const result = spawnSync(tool, [...args, "-o", out, ...files], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (result.error || result.status !== 0) {
      throw new Error(`heif-enc failed: ${result.error?.message ?? result.stderr}`);
    }
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// The meta box, as items, properties and references

interface Extent {
  offset: number;
  length: number;
}

export interface HeifItem {
  id: number;
  type: string;
  hidden: boolean;
  /** construction_method 0 (file offsets) or 1 (idat offsets). */
  method: number;
  extents: Extent[];
  /** infe fields after item_type, kept as written. */
  infeTail: Buffer;
}

export interface HeifModel {
  ftyp: Buffer;
  /** meta children this model does not rewrite (hdlr, idat, ...), as written. */
  kept: Buffer[];
  primary: number;
  items: HeifItem[];
  /** ipco children in order; associations index them from 1. */
  properties: Buffer[];
  associations: Map<number, Array<{ index: number; essential: boolean }>>;
  references: Array<{ type: string; from: number; to: number[] }>;
  /** The file after the meta box (mdat, ...), and where it started in the file. */
  rest: Buffer;
  restOffset: number;
  /** Data added by rewrites, appended in an mdat of its own. */
  added: Buffer[];
}

interface Box {
  type: string;
  start: number;
  /** Where the payload starts (after the header). */
  body: number;
  end: number;
}

function boxesIn(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) throw new Error(`bad ${type} box at ${at}`);
    out.push({ type, start: at, body: at + header, end: at + size });
    at += size;
  }
  return out;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}
  u8() {
    return this.buf.readUInt8(this.at++);
  }
  u16() {
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32() {
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  sized(bytes: number): number {
    if (bytes === 0) return 0;
    if (bytes === 4) return this.u32();
    if (bytes === 8) {
      const v = Number(this.buf.readBigUInt64BE(this.at));
      this.at += 8;
      return v;
    }
    throw new Error(`unsupported field size ${bytes}`);
  }
  fourcc() {
    const v = this.buf.toString("latin1", this.at, this.at + 4);
    this.at += 4;
    return v;
  }
}

/** Reads the meta box of a HEIF file into a model that `writeHeif` turns back into a file. */
export function readHeif(file: Buffer): HeifModel {
  const top = boxesIn(file, 0, file.length);
  const ftypBox = top.find((b) => b.type === "ftyp");
  const metaBox = top.find((b) => b.type === "meta");
  if (!ftypBox || !metaBox || top.indexOf(metaBox) !== 1) throw new Error("expected ftyp then meta");
  const model: HeifModel = {
    ftyp: file.subarray(ftypBox.start, ftypBox.end),
    kept: [],
    primary: 0,
    items: [],
    properties: [],
    associations: new Map(),
    references: [],
    rest: file.subarray(metaBox.end),
    restOffset: metaBox.end,
    added: [],
  };
  const locations = new Map<number, { method: number; extents: Extent[] }>();
  for (const box of boxesIn(file, metaBox.body + 4, metaBox.end)) {
    const r = new Reader(file, box.body);
    if (box.type === "pitm") {
      const version = r.u8();
      r.at += 3;
      model.primary = version === 0 ? r.u16() : r.u32();
    } else if (box.type === "iloc") {
      const version = r.u8();
      r.at += 3;
      const sizes = r.u8();
      const sizes2 = r.u8();
      const [offsetSize, lengthSize, baseSize] = [sizes >> 4, sizes & 15, sizes2 >> 4];
      const indexSize = version > 0 ? sizes2 & 15 : 0;
      const count = version < 2 ? r.u16() : r.u32();
      for (let i = 0; i < count; i++) {
        const id = version < 2 ? r.u16() : r.u32();
        const method = version > 0 ? r.u16() & 15 : 0;
        r.u16(); // data_reference_index: 0, this file
        const base = r.sized(baseSize);
        const extents: Extent[] = [];
        const extentCount = r.u16();
        for (let e = 0; e < extentCount; e++) {
          r.sized(indexSize);
          const offset = base + r.sized(offsetSize);
          extents.push({ offset, length: r.sized(lengthSize) });
        }
        locations.set(id, { method, extents });
      }
    } else if (box.type === "iinf") {
      const version = r.u8();
      r.at += 3 + (version === 0 ? 2 : 4);
      for (const infe of boxesIn(file, r.at, box.end)) {
        const e = new Reader(file, infe.body);
        const infeVersion = e.u8();
        const flags = (e.u8() << 16) | e.u16();
        if (infeVersion < 2) throw new Error("infe before version 2 is not written by heif-enc");
        const id = infeVersion === 2 ? e.u16() : e.u32();
        e.u16(); // item_protection_index
        const type = e.fourcc();
        model.items.push({
          id,
          type,
          hidden: (flags & 1) === 1,
          method: 0,
          extents: [],
          infeTail: Buffer.from(file.subarray(e.at, infe.end)),
        });
      }
    } else if (box.type === "iprp") {
      for (const child of boxesIn(file, box.body, box.end)) {
        if (child.type === "ipco") {
          for (const p of boxesIn(file, child.body, child.end)) {
            model.properties.push(Buffer.from(file.subarray(p.start, p.end)));
          }
        } else if (child.type === "ipma") {
          const a = new Reader(file, child.body);
          const version = a.u8();
          const flags = (a.u8() << 16) | a.u16();
          const entries = a.u32();
          for (let i = 0; i < entries; i++) {
            const id = version < 1 ? a.u16() : a.u32();
            const n = a.u8();
            const list: Array<{ index: number; essential: boolean }> = [];
            for (let j = 0; j < n; j++) {
              if (flags & 1) {
                const v = a.u16();
                list.push({ index: v & 0x7fff, essential: (v & 0x8000) !== 0 });
              } else {
                const v = a.u8();
                list.push({ index: v & 0x7f, essential: (v & 0x80) !== 0 });
              }
            }
            model.associations.set(id, list);
          }
        }
      }
    } else if (box.type === "iref") {
      const version = r.u8();
      r.at += 3;
      for (const ref of boxesIn(file, r.at, box.end)) {
        const f = new Reader(file, ref.body);
        const id = () => (version === 0 ? f.u16() : f.u32());
        const from = id();
        const count = f.u16();
        model.references.push({ type: ref.type, from, to: Array.from({ length: count }, id) });
      }
    } else {
      model.kept.push(Buffer.from(file.subarray(box.start, box.end)));
    }
  }
  for (const item of model.items) {
    const location = locations.get(item.id);
    if (location) Object.assign(item, location);
  }
  return model;
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, body]);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
  return box(type, vf, ...parts);
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

function metaBox(model: HeifModel, locate: (item: HeifItem) => Extent[]): Buffer {
  const items = [...model.items].sort((a, b) => a.id - b.id);
  const hdlr = model.kept.filter((b) => b.toString("latin1", 4, 8) === "hdlr");
  const others = model.kept.filter((b) => b.toString("latin1", 4, 8) !== "hdlr");
  // iloc version 1: 4-byte offsets and lengths, no base offset, construction methods kept.
  const iloc = fullBox(
    "iloc",
    1,
    0,
    Buffer.from([0x44, 0x00]),
    u16(items.length),
    ...items.map((item) => {
      const extents = locate(item);
      return Buffer.concat([
        u16(item.id),
        u16(item.method),
        u16(0),
        u16(extents.length),
        ...extents.flatMap((e) => [u32(e.offset), u32(e.length)]),
      ]);
    }),
  );
  const iinf = fullBox(
    "iinf",
    0,
    0,
    u16(items.length),
    ...items.map((item) =>
      fullBox(
        "infe",
        2,
        item.hidden ? 1 : 0,
        u16(item.id),
        u16(0),
        Buffer.from(item.type, "latin1"),
        item.infeTail,
      ),
    ),
  );
  const assocIds = [...model.associations.keys()].sort((a, b) => a - b);
  const ipma = fullBox(
    "ipma",
    0,
    1,
    u32(assocIds.length),
    ...assocIds.map((id) => {
      const list = model.associations.get(id) ?? [];
      return Buffer.concat([
        u16(id),
        Buffer.from([list.length]),
        ...list.map((a) => u16((a.essential ? 0x8000 : 0) | a.index)),
      ]);
    }),
  );
  const iprp = box("iprp", box("ipco", ...model.properties), ipma);
  const iref = model.references.length
    ? [
        fullBox(
          "iref",
          0,
          0,
          ...model.references.map((r) => box(r.type, u16(r.from), u16(r.to.length), ...r.to.map(u16))),
        ),
      ]
    : [];
  const pitm = fullBox("pitm", 0, 0, u16(model.primary));
  return fullBox("meta", 0, 0, ...hdlr, pitm, iloc, iinf, iprp, ...iref, ...others);
}

/**
 * One property box for each distinct content, as phones write them: tiles share one `hvcC` and one
 * `ispe` (readers cap the number of boxes in `ipco`, libheif at 100).
 */
function shareProperties(model: HeifModel): HeifModel {
  const properties: Buffer[] = [];
  const byContent = new Map<string, number>();
  const remap = model.properties.map((p) => {
    const key = p.toString("latin1");
    let index = byContent.get(key);
    if (index === undefined) {
      properties.push(p);
      index = properties.length;
      byContent.set(key, index);
    }
    return index;
  });
  const associations = new Map(
    [...model.associations].map(([id, list]) => [
      id,
      list.map((a) => ({ index: remap[a.index - 1] ?? a.index, essential: a.essential })),
    ]),
  );
  return { ...model, properties, associations, ftyp: uniqueBrands(model.ftyp) };
}

/** heif-enc lists the brands again for every image; libheif refuses an ftyp that long. */
function uniqueBrands(ftyp: Buffer): Buffer {
  const brands: string[] = [];
  for (let at = 16; at + 4 <= ftyp.length; at += 4) brands.push(ftyp.toString("latin1", at, at + 4));
  return box("ftyp", ftyp.subarray(8, 16), Buffer.from([...new Set(brands)].join(""), "latin1"));
}

/** Writes the model back into a file: ftyp, the new meta, the original data, then any added data. */
export function writeHeif(written: HeifModel): Buffer {
  const model = shareProperties(written);
  const addedStarts: number[] = [];
  let addedLength = 0;
  for (const data of model.added) {
    addedStarts.push(addedLength);
    addedLength += data.length;
  }
  // Offsets are fixed-size fields: the meta box has the same size whatever they hold.
  const metaSize = metaBox(model, (item) =>
    item.extents.map((e) => ({ offset: 0, length: e.length })),
  ).length;
  const restStart = model.ftyp.length + metaSize;
  const addedStart = restStart + model.rest.length + 8;
  const meta = metaBox(model, (item) =>
    item.extents.map((e) => {
      if (item.method !== 0) return e;
      if (e.offset < 0) return { offset: addedStart + (addedStarts[-e.offset - 1] ?? 0), length: e.length };
      return { offset: e.offset - model.restOffset + restStart, length: e.length };
    }),
  );
  return Buffer.concat([model.ftyp, meta, model.rest, box("mdat", ...model.added)]);
}

// ---------------------------------------------------------------------------------------------------
// Rewrites

function addData(model: HeifModel, data: Buffer): Extent[] {
  model.added.push(data);
  // Negative offsets name added data until writeHeif places it.
  return [{ offset: -model.added.length, length: data.length }];
}

function addProperty(model: HeifModel, property: Buffer): number {
  model.properties.push(property);
  return model.properties.length;
}

function associate(model: HeifModel, id: number, index: number, essential: boolean) {
  const list = model.associations.get(id) ?? [];
  list.push({ index, essential });
  model.associations.set(id, list);
}

function propertyType(model: HeifModel, index: number): string {
  return model.properties[index - 1]?.toString("latin1", 4, 8) ?? "";
}

/** The coded images heif-enc wrote for its inputs, in input order (not alpha or other auxiliaries). */
export function codedImages(model: HeifModel): HeifItem[] {
  const auxiliary = new Set(
    model.references.filter((r) => r.type === "auxl" || r.type === "thmb").map((r) => r.from),
  );
  return model.items.filter((i) => i.type === "hvc1" && !auxiliary.has(i.id)).sort((a, b) => a.id - b.id);
}

/** Adds transform properties to an item, marked essential as the format requires. */
export function addTransforms(model: HeifModel, id: number, transforms: ReadonlyArray<HeifTransform>): void {
  for (const t of transforms) {
    associate(model, id, addProperty(model, transformBox(t)), true);
  }
}

function transformBox(t: HeifTransform): Buffer {
  if ("irot" in t) return box("irot", Buffer.from([t.irot]));
  if ("imir" in t) return box("imir", Buffer.from([t.imir]));
  // clap stores the kept size and its centre's offset from the image centre, as fractions (here /2).
  const { left, top, width, height, imageWidth, imageHeight } = t.clap;
  const fields = [width, 1, height, 1, 2 * left + width - imageWidth, 2, 2 * top + height - imageHeight, 2];
  const body = Buffer.alloc(32);
  for (const [i, v] of fields.entries()) body.writeInt32BE(v, i * 4);
  return box("clap", body);
}

/** A grid item over `tiles` (row by row), `width`×`height` cut from their top-left. */
function addGrid(
  model: HeifModel,
  tiles: HeifItem[],
  columns: number,
  rows: number,
  width: number,
  height: number,
): number {
  const id = Math.max(...model.items.map((i) => i.id)) + 1;
  const large = width > 0xffff || height > 0xffff;
  const descriptor = Buffer.concat([
    Buffer.from([0, large ? 1 : 0, rows - 1, columns - 1]),
    ...(large ? [u32(width), u32(height)] : [u16(width), u16(height)]),
  ]);
  model.items.push({
    id,
    type: "grid",
    hidden: false,
    method: 0,
    extents: addData(model, descriptor),
    infeTail: Buffer.from([0]),
  });
  associate(model, id, addProperty(model, fullBox("ispe", 0, 0, u32(width), u32(height))), false);
  const first = tiles[0];
  if (!first) throw new Error("no tiles");
  for (const a of model.associations.get(first.id) ?? []) {
    if (["colr", "pixi", "auxC"].includes(propertyType(model, a.index)))
      associate(model, id, a.index, a.essential);
  }
  for (const tile of tiles) tile.hidden = true;
  model.references.push({ type: "dimg", from: id, to: tiles.map((t) => t.id) });
  return id;
}

/**
 * Turns the coded images into the tiles of a grid (row by row), as phones store photos: the grid is
 * the new primary image, `width`×`height` cut from the top-left of the tiles, with the first tile's
 * colour properties; the tiles are hidden, and metadata that described the first tile describes the grid.
 * Tiles with alpha give a second grid of their alpha images, the grid's alpha.
 */
export function makeGrid(
  model: HeifModel,
  columns: number,
  rows: number,
  width: number,
  height: number,
): number {
  const tiles = codedImages(model);
  if (tiles.length !== columns * rows)
    throw new Error(`${tiles.length} images for a ${columns}×${rows} grid`);
  const first = tiles[0];
  if (!first) throw new Error("no tiles");
  const alphaOf = (tile: HeifItem) =>
    model.items.find((i) =>
      model.references.some((r) => r.type === "auxl" && r.from === i.id && r.to.includes(tile.id)),
    );
  const alphas = tiles.map(alphaOf);
  const id = addGrid(model, tiles, columns, rows, width, height);
  if (alphas.every((a): a is HeifItem => a !== undefined)) {
    const alphaIds = new Set(alphas.map((a) => a.id));
    model.references = model.references.filter((r) => !(r.type === "auxl" && alphaIds.has(r.from)));
    const alphaGrid = addGrid(model, alphas, columns, rows, width, height);
    for (const item of model.items) if (item.id === alphaGrid) item.hidden = true;
    model.references.push({ type: "auxl", from: alphaGrid, to: [id] });
  }
  for (const ref of model.references)
    if (ref.type === "cdsc") ref.to = ref.to.map((to) => (to === first.id ? id : to));
  model.primary = id;
  return id;
}

/** Makes a coded image an auxiliary image of `master` (a depth map or an HDR gain map, by `auxType`). */
export function makeAuxiliary(model: HeifModel, id: number, master: number, auxType: string): void {
  const item = model.items.find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id}`);
  item.hidden = true;
  associate(
    model,
    id,
    addProperty(model, fullBox("auxC", 0, 0, Buffer.from(`${auxType}\0`, "latin1"))),
    true,
  );
  model.references.push({ type: "auxl", from: id, to: [master] });
}

/** Replaces an image's coded data with another codec's (and drops its HEVC configuration). */
export function replaceCodec(model: HeifModel, id: number, type: string, data: Buffer): void {
  const item = model.items.find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id}`);
  item.type = type;
  item.extents = addData(model, data);
  const list = model.associations.get(id) ?? [];
  model.associations.set(
    id,
    list.filter((a) => propertyType(model, a.index) !== "hvcC"),
  );
}

export function rewrite(file: Buffer, change: (model: HeifModel) => void): Buffer {
  const model = readHeif(file);
  change(model);
  return writeHeif(model);
}

// ---------------------------------------------------------------------------------------------------
// The fixtures

export interface HeicFixture {
  name: string;
  data: Buffer;
  /** How it must display: width×height once oriented. */
  width: number;
  height: number;
  /** Whether the thumbnails keep transparency. */
  alpha?: boolean;
  /** The camera the EXIF summary must report. */
  camera?: string;
}

/** Splits a picture into `tile`-sized pieces, row by row, padding the last row and column with its edge. */
async function tilesOf(
  picture: Buffer,
  tile: number,
): Promise<{ tiles: Buffer[]; columns: number; rows: number }> {
  const meta = await sharp(picture).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const columns = Math.ceil(width / tile);
  const rows = Math.ceil(height / tile);
  const padded = await sharp(picture)
    .extend({ right: columns * tile - width, bottom: rows * tile - height, extendWith: "copy" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { channels } = padded.info;
  const tiles: Buffer[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      tiles.push(
        await sharp(padded.data, { raw: { width: columns * tile, height: rows * tile, channels } })
          .extract({ left: c * tile, top: r * tile, width: tile, height: tile })
          .png({ compressionLevel: 1 })
          .toBuffer(),
      );
    }
  }
  return { tiles, columns, rows };
}

/**
 * A photo stored as phones store it: a grid of `tile`-sized HEVC tiles, turned by `irot` (and mirrored
 * if asked) with EXIF that repeats the orientation, which a reader must not apply a second time.
 */
export async function phoneHeic(
  width: number,
  height: number,
  options: {
    tile?: number;
    transforms?: ReadonlyArray<HeifTransform>;
    exifOrientation?: number;
    quality?: number;
    camera?: { make: string; model: string };
    /** The picture to store (upright), instead of the test photo. */
    picture?: Sharp;
  } = {},
): Promise<Buffer> {
  const transforms = options.transforms ?? [];
  const upright = await (options.picture ?? photo(width, height)).png({ compressionLevel: 1 }).toBuffer();
  const stored = await storedFor(upright, transforms);
  const meta = await sharp(stored).metadata();
  const { tiles, columns, rows } = await tilesOf(stored, options.tile ?? 512);
  const encoded = await heifEnc(tiles, {
    quality: options.quality ?? 60,
    exif: {
      make: options.camera?.make ?? "Apple",
      model: options.camera?.model ?? "iPhone 15 Pro",
      ...(options.exifOrientation ? { orientation: options.exifOrientation } : {}),
      takenAt: "2025:06:07 08:09:10",
    },
  });
  return rewrite(encoded, (model) => {
    const grid = makeGrid(model, columns, rows, meta.width ?? 0, meta.height ?? 0);
    addTransforms(model, grid, transforms);
    // An alpha grid is shown with its master, so it carries the same transforms.
    for (const ref of model.references) {
      if (ref.type === "auxl" && ref.to.includes(grid)) addTransforms(model, ref.from, transforms);
    }
  });
}

/**
 * Every kind of HEIC the worker must handle, small enough to make in seconds. Each displays as
 * `width`×`height` with the photo upright (sky on top, the red marker top-left).
 */
export async function heicFixtures(): Promise<HeicFixture[]> {
  const uprightPng = (w: number, h: number, channels: 3 | 4 = 3) =>
    photo(w, h, channels).png({ compressionLevel: 1 }).toBuffer();
  const landscape = await uprightPng(640, 480);
  const portrait = await uprightPng(480, 640);
  const iphone = { make: "Apple", model: "iPhone 15 Pro" };

  const plain = await heifEnc([landscape], { exif: { ...{ make: iphone.make, model: iphone.model } } });
  const portraitPlain = await heifEnc([portrait]);
  // A portrait photo as an iPhone stores it: landscape pixels, irot 270° (anti-clockwise) and EXIF 6.
  const rotated = rewrite(
    await heifEnc([await storedFor(portrait, [{ irot: 3 }])], { exif: { ...iphone, orientation: 6 } }),
    (m) => addTransforms(m, m.primary, [{ irot: 3 }]),
  );
  // Turned and mirrored (EXIF 7's geometry, which the EXIF repeats), the mirror listed after the turn.
  const mirrored = rewrite(
    await heifEnc([await storedFor(portrait, [{ irot: 1 }, { imir: 1 }])], { exif: { orientation: 7 } }),
    (m) => addTransforms(m, m.primary, [{ irot: 1 }, { imir: 1 }]),
  );
  // No transform properties, only EXIF orientation 6 (what heif-enc makes of a turned JPEG).
  const exifOnly = await heifEnc([await storedForExif(portrait, 6)], { exif: { orientation: 6 } });
  const grid = await phoneHeic(700, 900, {
    tile: 256,
    transforms: [{ irot: 3 }],
    exifOrientation: 6,
    camera: iphone,
  });
  const tenBit = await heifEnc([landscape], { bitDepth: 10 });
  const alpha = await heifEnc([await uprightPng(400, 300, 4)]);
  // Two images, the primary second: the first must not be shown.
  const other = await sharp({ create: { width: 320, height: 200, channels: 3, background: "#ff00ff" } })
    .png()
    .toBuffer();
  const secondPrimary = rewrite(await heifEnc([other, landscape]), (m) => {
    const [first, second] = codedImages(m);
    if (first && second) m.primary = second.id;
  });
  // A depth map and an HDR gain map beside the primary, as iPhone portraits and HDR photos carry.
  const withAux = rewrite(await heifEnc([landscape, other, other]), (m) => {
    const [main, depth, gain] = codedImages(m);
    if (!main || !depth || !gain) throw new Error("three images expected");
    makeAuxiliary(m, depth.id, main.id, "urn:mpeg:hevc:2015:auxid:2");
    makeAuxiliary(m, gain.id, main.id, "urn:com:apple:photo:2020:aux:hdrgainmap");
  });
  return [
    { name: "landscape.heic", data: plain, width: 640, height: 480, camera: "Apple iPhone 15 Pro" },
    { name: "portrait.heic", data: portraitPlain, width: 480, height: 640 },
    {
      name: "portrait-irot-exif6.heic",
      data: rotated,
      width: 480,
      height: 640,
      camera: "Apple iPhone 15 Pro",
    },
    { name: "portrait-irot-imir.heic", data: mirrored, width: 480, height: 640 },
    { name: "portrait-exif6-only.heic", data: exifOnly, width: 480, height: 640 },
    { name: "grid-irot.heic", data: grid, width: 700, height: 900, camera: "Apple iPhone 15 Pro" },
    { name: "ten-bit.heic", data: tenBit, width: 640, height: 480 },
    { name: "alpha.heic", data: alpha, width: 400, height: 300, alpha: true },
    { name: "primary-second.heic", data: secondPrimary, width: 640, height: 480 },
    { name: "depth-and-gain-map.heic", data: withAux, width: 640, height: 480 },
  ];
}

/** A HEIF whose image is JPEG-coded (legal HEIF, but no decoder here has JPEG-in-HEIF). */
export async function jpegInHeif(): Promise<Buffer> {
  const jpeg = await photo(320, 240).jpeg().toBuffer();
  return rewrite(await heifEnc([await photo(320, 240).png().toBuffer()]), (m) =>
    replaceCodec(m, m.primary, "jpeg", jpeg),
  );
}

/** Writes fixtures into a fresh temporary directory (for tools that read files). */
export async function writeFixtures(
  fixtures: ReadonlyArray<{ name: string; data: Buffer }>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "picstack-heic-files-"));
  await mkdir(dir, { recursive: true });
  for (const f of fixtures) await writeFile(join(dir, f.name), f.data);
  return dir;
}
