import type { BlobStore } from '@papo/client';

const DB_NAME = 'papo-uploads';
const STORE = 'blobs';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * The bytes of photos, files and voice notes not uploaded yet, in IndexedDB: a reload (or a crash) while one
 * uploads, or while offline, sends it still. Undefined where IndexedDB is missing (the outbox then says "not
 * sent" after a reload, with retry).
 */
export function indexedDbBlobStore(): BlobStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    opened ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return opened;
  };
  const store = async (mode: IDBTransactionMode) => (await db()).transaction(STORE, mode).objectStore(STORE);
  return {
    put: async (key, blob) => void (await request((await store('readwrite')).put(blob, key))),
    get: async (key) => ((await request((await store('readonly')).get(key))) as Blob | undefined) ?? undefined,
    delete: async (key) => void (await request((await store('readwrite')).delete(key))),
    keys: async () => (await request((await store('readonly')).getAllKeys())).map(String),
  };
}
