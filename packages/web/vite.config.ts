import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @papo/web` proxies the API and the WebSocket to a server on PAPO_DEV_SERVER (default :8080).
const target = process.env.PAPO_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
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
