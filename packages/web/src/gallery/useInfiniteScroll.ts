/** Infinite scroll: calls `onReachEnd` when the returned sentinel comes near the viewport, while there is more. */
import { type RefObject, useEffect, useRef } from "react";

/** How far below the viewport the next page starts loading, so scrolling rarely waits for it. */
const AHEAD = "400px";

export function useInfiniteScroll(
  onReachEnd: () => void,
  hasMore: boolean,
): RefObject<HTMLDivElement | null> {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasMore) return;
    const observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && onReachEnd(),
      {
        rootMargin: AHEAD,
      },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [onReachEnd, hasMore]);
  return sentinel;
}
