import { existsSync, readdirSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

// The shape of the Rollup/Rolldown output chunks this plugin reads; kept
// structural so it does not depend on either bundler's type exports.
interface Chunk {
  type: 'chunk'
  fileName: string
  code: string
  isEntry: boolean
  facadeModuleId: string | null
  imports: string[]
  moduleIds: string[]
  modules?: Record<string, { renderedLength: number }>
}
interface Asset {
  type: 'asset'
}
type Bundle = Record<string, Chunk | Asset>

export interface BundleBudgetOpts {
  /** The HTML entry of the app, relative to the project root. */
  entryHtml: string
  /** TanStack Router's file-based routes directory, relative to the project root. */
  routesDir: string
  /** Budget for the first load of any one page, in brotli bytes (what the server sends). */
  maxBrotliBytes: number
  /** Tighter budgets for pages people land on first (`/sign-in`, `/`), by path. */
  landingPages?: Record<string, number>
}

/**
 * Prints what the first load of every page costs in JavaScript, as the
 * server transfers it (brotli; gzip alongside), and fails the build when
 * any page is over budget. A page is the entry chunk with its static
 * imports, plus the code-split component chunk of the route and of each
 * layout above it, with everything those import. Routes are found on disk,
 * so a new route file is in the budget without anyone listing it. Code a
 * page imports lazily is what it loads on demand (a dialog's form): a page
 * must not lazy-load what it shows on arrival, and the browser journeys
 * measure the real transfer of the landing pages to catch it.
 */
export function bundleBudget(opts: BundleBudgetOpts): Plugin {
  let root = process.cwd()
  return {
    name: 'konstruct:bundle-budget',
    apply: 'build',
    configResolved(config) {
      root = config.root
    },
    generateBundle(_options, output) {
      const bundle = output as unknown as Bundle
      const chunks = Object.values(bundle).filter((c): c is Chunk => c.type === 'chunk')
      const byFile = new Map(chunks.map((c) => [c.fileName, c]))
      const sizes = new Map<string, { br: number; gz: number }>()
      const size = (c: Chunk) => {
        let n = sizes.get(c.fileName)
        if (!n) {
          n = {
            br: brotliCompressSync(c.code, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }).length,
            gz: gzipSync(c.code, { level: 9 }).length,
          }
          sizes.set(c.fileName, n)
        }
        return n
      }
      const closure = (start: Chunk, into: Set<string>) => {
        const walk = (c: Chunk) => {
          if (into.has(c.fileName)) return
          into.add(c.fileName)
          for (const f of c.imports) {
            const dep = byFile.get(f)
            if (dep) walk(dep)
          }
        }
        walk(start)
      }
      const total = (files: Set<string>) =>
        [...files].reduce(
          (n, f) => {
            const c = byFile.get(f)
            if (!c) return n
            const s = size(c)
            return { br: n.br + s.br, gz: n.gz + s.gz }
          },
          { br: 0, gz: 0 },
        )
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

      const entryId = resolve(root, opts.entryHtml)
      const entry = chunks.find((c) => c.isEntry && c.facadeModuleId === entryId)
      if (!entry) return this.error(`bundle budget: no entry chunk for ${opts.entryHtml}`)
      const shell = new Set<string>()
      closure(entry, shell)

      // The component chunk the router plugin split out of a route file.
      const routesDir = resolve(root, opts.routesDir)
      const componentChunk = (file: string) =>
        chunks.find((c) => c.facadeModuleId?.startsWith(file + '?') && /tsr-split=([^&]*---)?component(---|&|$)/.test(c.facadeModuleId))
      const pages: Array<{ page: string; br: number; gz: number }> = []
      for (const file of routeFiles(routesDir)) {
        const rel = relative(routesDir, file).split(sep).join('/')
        if (rel.startsWith('__root') || !componentChunk(file)) continue
        const files = new Set(shell)
        for (const layout of [...layoutsAbove(routesDir, rel), file]) {
          const chunk = componentChunk(layout)
          if (chunk) closure(chunk, files)
        }
        // A layout route's own page is its index; list it as the layout.
        const layout = existsSync(file.replace(/\.tsx?$/, ''))
        pages.push({ page: routePath(rel) + (layout ? ' (layout)' : ''), ...total(files) })
      }
      if (pages.length === 0) return this.error(`bundle budget: no code-split routes found in ${opts.routesDir}`)

      // BUNDLE_BUDGET_VERBOSE=1 lists every chunk (* = part of the shell) to find what grew.
      if (process.env.BUNDLE_BUDGET_VERBOSE) {
        for (const c of chunks.toSorted((a, b) => size(b).br - size(a).br)) {
          const top = c.moduleIds
            .filter((m) => !m.includes('?'))
            .slice(0, 4)
            .map((m) => m.replace(/.*node_modules\//, ''))
          console.log(`${shell.has(c.fileName) ? '*' : ' '} ${kb(size(c).br).padStart(9)} ${c.fileName} ${top.join(', ')}`)
        }
        // The shell's biggest modules, by size before compression.
        const mods = [...shell].flatMap((f) => Object.entries(byFile.get(f)?.modules ?? {}))
        for (const [id, m] of mods
          .toSorted((a, b) => b[1].renderedLength - a[1].renderedLength)
          .slice(0, process.env.BUNDLE_BUDGET_VERBOSE === 'all' ? undefined : 40)) {
          console.log(`  shell module ${kb(m.renderedLength).padStart(9)} raw  ${id.replace(/.*node_modules\//, '')}`)
        }
      }
      const shellSize = total(shell)
      const budget = (page: string) => opts.landingPages?.[page] ?? opts.maxBrotliBytes
      const lines = [
        `first-load JavaScript per page (brotli as served, gzip in brackets; budget ${kb(opts.maxBrotliBytes)}, landing pages ${Object.entries(
          opts.landingPages ?? {},
        )
          .map(([p, b]) => `${p} ${kb(b)}`)
          .join(', ')}):`,
        `  ${'(shell)'.padEnd(32)} ${kb(shellSize.br).padStart(9)}  [${kb(shellSize.gz)}]`,
      ]
      const over: string[] = []
      for (const p of pages.toSorted((a, b) => b.br - a.br)) {
        lines.push(`  ${p.page.padEnd(32)} ${kb(p.br).padStart(9)}  [${kb(p.gz)}]`)
        if (p.br > budget(p.page)) over.push(`${p.page} (${kb(p.br)} > ${kb(budget(p.page))})`)
      }
      console.log('\n' + lines.join('\n') + '\n')
      if (over.length) this.error(`first-load JavaScript over budget: ${over.join(', ')}`)
    },
  }
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return routeFiles(p)
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : []
  })
}

/** The layout route files above a route (`_app/settings/members.tsx` → `_app.tsx`, `_app/settings.tsx`). */
function layoutsAbove(routesDir: string, rel: string): string[] {
  const parts = rel.split('/').slice(0, -1)
  return parts.flatMap((_, i) => {
    const base = join(routesDir, ...parts.slice(0, i + 1))
    return [`${base}.tsx`, `${base}.ts`]
  })
}

/** The URL a route file serves (`_app/agents/$agentId.tsx` → `/agents/$agentId`). */
function routePath(rel: string): string {
  const segs = rel
    .replace(/\.tsx?$/, '')
    .split('/')
    .filter((s) => !s.startsWith('_') && s !== 'index')
  return '/' + segs.join('/')
}
