import { useEffect, useState } from 'react';
import type { ShownMedia } from '../lib/media';
import { useStoreQuietly } from '../state/react';

/**
 * A URL of a media's bytes (or its thumbnail): for pictures and files, bytes on this device first (an upload
 * of this page, as a `blob:` URL), else a signed link from the SDK (asked for in batches, kept until shortly
 * before they run out). Sound and video always play from a signed link: the page's Content-Security-Policy
 * lets images, not media elements, load `blob:` URLs. Undefined until known, or when refused.
 */
export function useMediaUrl(media: ShownMedia | undefined, which: 'media' | 'thumbnail' = 'media'): string | undefined {
  const store = useStoreQuietly();
  const mediaId = media?.media_id;
  const localAllowed = which === 'media' && (media?.type === 'image' || media?.type === 'file');
  const local = localAllowed
    ? (media?.local_url ?? (mediaId ? store.client.localMediaUrl(mediaId) : undefined))
    : undefined;
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
