import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Parley serves the build at /console (src/modules/console): hashed assets under /console/assets are cached for a year.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The first load budget is 300 KB of JavaScript gzipped (checked by test/console/console-bundle.e2e-spec.ts).
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` in console/ against a Parley on :3000.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
