/// <reference types="vitest/config" />
import { resolve } from 'node:path'
import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { bundleBudget } from './scripts/bundle-budget.ts'

const root = import.meta.dirname
const apiOrigin = process.env.KONSTRUCT_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    bundleBudget({
      entryHtml: 'index.html',
      // Where a visitor lands first: signed in (shell + dashboard), back from
      // Slack's OAuth (shell + onboarding), or not signed in (sign-in).
      initialPages: {
        dashboard: ['src/app/routes/app/layout.lazy.tsx', 'src/app/routes/app/dashboard.lazy.tsx'],
        onboarding: ['src/app/routes/app/layout.lazy.tsx', 'src/app/routes/app/onboarding.lazy.tsx'],
        'sign-in': ['src/app/routes/auth/sign-in.lazy.tsx'],
        // The usage page's chart (recharts) is a further lazy chunk, fetched in parallel.
        usage: ['src/app/routes/app/layout.lazy.tsx', 'src/app/routes/app/usage.lazy.tsx'],
      },
      maxGzipBytes: 250 * 1024,
    }),
  ],
  resolve: {
    alias: { '@': resolve(root, 'src') },
  },
  build: {
    // The Go server gives /assets/* an immutable cache, so keep Vite's defaults.
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1600, // the API docs renderer is big, but it has its own page
    rollupOptions: {
      input: {
        main: resolve(root, 'index.html'),
        docs: resolve(root, 'api-docs/index.html'),
      },
    },
  },
  server: {
    // `npm run dev` against a running `konstruct serve`. The API refuses
    // cookie writes from another origin, so present the API's own origin.
    proxy: {
      '/api': {
        target: apiOrigin,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.setHeader('origin', apiOrigin)),
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
})
