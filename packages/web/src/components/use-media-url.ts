import { useEffect, useState } from 'react';
import type { ShownMedia } from '../lib/media';
import { useStoreQuietly } from '../state/react';

/**
 * A URL of a media's bytes (or its thumbnail): bytes on this device first, else a signed link from the SDK
 * (asked for in batches, kept until shortly before they run out). Undefined until known, or when refused.
 */
export function useMediaUrl(media: ShownMedia | undefined, which: 'media' | 'thumbnail' = 'media'): string | undefined {
  const store = useStoreQuietly();
  const local = which === 'media' ? media?.local_url : undefined;
  const mediaId = media?.media_id;
  const [url, setUrl] = useState<{ id: string; url: string } | undefined>(undefined);
  useEffect(() => {
    if (local || !mediaId) return;
    let live = true;
    const asked = which === 'media' ? store.client.mediaUrl(mediaId) : store.client.thumbnailUrl(mediaId);
    asked.then(
      (answer) => live && setUrl({ id: mediaId, url: answer }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [store, mediaId, local, which]);
  return local ?? (url && url.id === mediaId ? url.url : undefined);
}
