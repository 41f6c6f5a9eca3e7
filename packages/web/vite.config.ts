import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// `npm run dev -w @papo/web` proxies the API and the WebSocket to a server on PAPO_DEV_SERVER (default :8080).
const target = process.env.PAPO_DEV_SERVER ?? 'http://127.0.0.1:8080';

/** Text formats worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|ico|xml|map)$/;

/**
 * Every compressible file of the build gets `.br` (brotli, quality 11) and `.gz` (gzip -9) siblings, written
 * once here, so the server sends them as they are (@fastify/static's preCompressed) and never compresses on a
 * request: the highest levels are too slow to run per request, and they are the ones worth having.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'papo-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    // After every file is on disk: the public/ copies, and sw.js, which vite-plugin-pwa writes in its own
    // closeBundle (sequential, in no particular order: this one goes last).
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
          const path = join(entry.parentPath, entry.name);
          const bytes = readFileSync(path);
          writeFileSync(
            `${path}.br`,
            brotliCompressSync(bytes, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
              },
            }),
          );
          writeFileSync(`${path}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
        }
      },
    },
  };
}

/**
 * The installable app (vite-plugin-pwa, injectManifest): src/sw.ts is built to /sw.js with the list of the build's
 * files (and their hashes) put in it, so every deploy is a new service worker version; the manifest is written
 * as /manifest.webmanifest and linked from index.html. The page registers the worker itself (src/pwa/register.ts),
 * to offer "New version available — Reload" rather than reload by surprise.
 */
const pwa = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  injectRegister: false,
  includeAssets: ['favicon.svg'],
  injectManifest: {
    // The app shell: scripts, styles, the page, the icons. Not the .br/.gz siblings (the same bytes again).
    globPatterns: ['**/*.{js,css,html,svg,png}'],
    // vite-plugin-pwa builds the worker with the `vite` it finds (the hoisted one, which the app's `oxc` minifier
    // setting does not name): esbuild, said plainly.
    minify: true,
  },
  manifest: {
    name: 'Papo',
    short_name: 'Papo',
    description: 'Simple, private messaging on your own server.',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    // The login page's band and the meta theme-color (--green); the background the chat screen shows while it
    // loads (body in styles.css).
    theme_color: '#00a884',
    background_color: '#d1d7db',
    icons: [
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
});

export default defineConfig({
  // precompress last: it compresses what the others wrote, sw.js and the manifest included.
  plugins: [react(), pwa, precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      // The web client imports only constants (LIMITS, TIMINGS) from @papo/protocol; its schema modules build
      // TypeBox objects at load time, which would otherwise count as side effects and pull TypeBox in.
      treeshake: { moduleSideEffects: (id: string) => !/[\\/]packages[\\/]protocol[\\/]/.test(id) },
    },
  },
  server: {
    proxy: {
      '/api': target,
      '/healthz': target,
      '/ws': { target, ws: true },
    },
  },
});
