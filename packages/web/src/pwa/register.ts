/**
 * The service worker's registration (src/sw.ts, built to /sw.js) and its updates. A new deploy is a new worker:
 * it installs in the background and waits; the page offers "New version available — Reload" (UpdatePrompt), and
 * only on that click does the new worker take over (SKIP_WAITING) and the page reload. The first install takes
 * the page without a reload: nothing was running before it.
 */

let registering: Promise<ServiceWorkerRegistration | undefined> | undefined;
/** A new version, installed and waiting for the user's "Reload". */
let waiting: ServiceWorker | null = null;
let reloadOnTakeOver = false;
const listeners = new Set<() => void>();

function setWaiting(worker: ServiceWorker | null): void {
  waiting = worker;
  for (const listener of [...listeners]) listener();
}

/** Service workers run on https and on localhost only; the dev server (Vite) has none to register. */
export function serviceWorkerSupported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && !import.meta.env.DEV;
}

/** Registers /sw.js once (later calls get the same registration); undefined where there can be none. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!serviceWorkerSupported()) return Promise.resolve(undefined);
  registering ??= (async () => {
    // The worker script is always asked of the server (updateViaCache 'none'), so a deploy is seen at once.
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' });
    const offer = (worker: ServiceWorker | null) => {
      // With no controller this is the first install, which takes the page by itself: nothing to offer.
      if (worker && navigator.serviceWorker.controller) setWaiting(worker);
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') offer(installing);
      });
    });
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloadOnTakeOver) window.location.reload();
    });
    // A tab left open for days looks for a new version whenever it comes to the front.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') registration.update().catch(() => {});
    });
    return registration;
  })().catch(() => {
    registering = undefined;
    return undefined;
  });
  return registering;
}

/** The registration once there is one (registered by this page or an earlier one); undefined otherwise. */
export async function serviceWorkerRegistration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!serviceWorkerSupported()) return undefined;
  return (await registering) ?? (await navigator.serviceWorker.getRegistration('/'));
}

// For React's useSyncExternalStore (UpdatePrompt).
export function onUpdateWaiting(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function updateWaiting(): boolean {
  return waiting !== null;
}

/** "Reload": the waiting worker takes over, and the page reloads when it has (controllerchange). */
export function applyUpdate(): void {
  if (!waiting) return;
  reloadOnTakeOver = true;
  waiting.postMessage({ type: 'SKIP_WAITING' });
}
