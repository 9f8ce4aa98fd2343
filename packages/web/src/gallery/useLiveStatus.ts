/** Listed images that are not final yet (still processing, or still being analysed) are polled until they are. */
import type { Image, PicstackClient } from "@picstack/sdk";
import { useEffect } from "react";

const POLL_MS = 3000;
/** At most this many images are asked about per round, to keep the API calls of one tab bounded. */
const POLLED_PER_ROUND = 12;

export function useLiveStatus(client: PicstackClient, items: Image[], refresh: (image: Image) => void): void {
  const unsettledIds = items
    .filter((i) => i.status === "pending" || i.status === "processing" || i.analysis.status === "pending")
    .map((i) => i.id)
    .join(",");
  // Keyed on the ids as one string, so the timer restarts only when the set of unsettled images changes.
  useEffect(() => {
    if (!unsettledIds) return;
    const timer = setInterval(() => {
      for (const id of unsettledIds.split(",").slice(0, POLLED_PER_ROUND)) {
        client
          .getImage(id)
          .then(refresh)
          .catch(() => {});
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [unsettledIds, client, refresh]);
}
