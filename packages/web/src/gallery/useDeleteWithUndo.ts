/**
 * Delete with undo: the card leaves the grid at once, and for a while a toast offers to restore the
 * image to where it was. A delete the API refuses puts the card back.
 */
import type { Image, PicstackClient } from "@picstack/sdk";
import { useRef, useState } from "react";
import type { ImageList } from "./useImages.js";

const UNDO_MS = 10_000;

export interface Undo {
  image: Image;
  index: number;
}

export function useDeleteWithUndo(
  client: PicstackClient,
  images: Pick<ImageList, "removeItem" | "insertItem">,
  fail: (e: unknown) => void,
) {
  const [undo, setUndo] = useState<Undo>();
  const undoTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const remove = async (image: Image) => {
    const index = images.removeItem(image.id);
    try {
      await client.deleteImage(image.id);
      clearTimeout(undoTimer.current);
      setUndo({ image, index });
      undoTimer.current = setTimeout(() => setUndo(undefined), UNDO_MS);
    } catch (e) {
      images.insertItem(image, index);
      fail(e);
    }
  };

  const restore = async () => {
    if (!undo) return;
    clearTimeout(undoTimer.current);
    setUndo(undefined);
    try {
      const image = await client.restoreImage(undo.image.id);
      images.insertItem(image, undo.index);
    } catch (e) {
      fail(e);
    }
  };

  return { undo, remove, restore };
}
