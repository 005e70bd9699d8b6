import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload and sends API calls to a server started with
// `npm start` (API_ORIGIN, default http://127.0.0.1:8000).
const api = process.env.API_ORIGIN ?? 'http://127.0.0.1:8000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/logout': { target: api, changeOrigin: false },
      '/_health': { target: api },
      '/_readyz': { target: api },
    },
  },
});
