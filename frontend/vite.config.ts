/// <reference types="vitest/config" />
import { resolve } from 'node:path'
import { constants as zlib } from 'node:zlib'
import tailwindcss from '@tailwindcss/vite'
import { tanstackRouter } from '@tanstack/router-plugin/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import { bundleBudget } from './scripts/bundle-budget.ts'

const root = import.meta.dirname
const apiOrigin = process.env.KONSTRUCT_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    // File-based routes (src/app/routes) with automatic code splitting: each
    // route's component becomes its own chunk; its options (search schema,
    // loader) stay in the shell so navigation can start loading at once.
    tanstackRouter({
      target: 'react',
      autoCodeSplitting: true,
      routesDirectory: './src/app/routes',
      generatedRouteTree: './src/app/routeTree.gen.ts',
      routeFileIgnorePattern: '\\.test\\.tsx?$',
      quoteStyle: 'single',
      semicolons: false,
    }),
    react(),
    tailwindcss(),
    // Every page's first load (shell + its route and layout chunks), as the
    // server sends it. The pages people land on (sign-in, the dashboard, the
    // wizard, usage) keep to 150 KB; form-heavy pages (the Agent Designer,
    // settings) to 180 KB. The browser journeys measure the real transfer.
    bundleBudget({
      entryHtml: 'index.html',
      routesDir: 'src/app/routes',
      maxBrotliBytes: 180 * 1024,
      landingPages: { '/sign-in': 150 * 1024, '/': 150 * 1024, '/onboarding': 150 * 1024, '/usage': 150 * 1024 },
    }),
    // Every text file gets a brotli and a gzip copy next to it, which the Go
    // server sends with Content-Encoding (api/httpapi/spa.go): compressed
    // once at build time, at the highest levels, never per request.
    compression({
      algorithms: [
        defineAlgorithm('brotliCompress', { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY } }),
        defineAlgorithm('gzip', { level: 9 }),
      ],
      include: /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/,
      threshold: 0,
      skipIfLargerOrEqual: false,
      logLevel: 'silent',
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
    // The machine's CPUs are shared: a form typed into key by key can take seconds.
    testTimeout: 15_000,
  },
})
