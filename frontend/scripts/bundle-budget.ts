import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
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
}
interface Asset {
  type: 'asset'
}
type Bundle = Record<string, Chunk | Asset>

export interface BundleBudgetOpts {
  /** The HTML entry of the app, relative to the project root. */
  entryHtml: string
  /**
   * The pages a visitor can land on first, each with the lazy route modules
   * it loads (layout and page), relative to the project root.
   */
  initialPages: Record<string, string[]>
  /** Budget for the entry plus any one initial page, in gzipped bytes. */
  maxGzipBytes: number
}

/**
 * Prints what the first page load costs in gzipped JavaScript (the entry
 * chunk, its static imports, and the lazy chunk of each page a visitor can
 * land on) and fails the build when any of them is over budget. Everything
 * reachable only through other dynamic imports (other routes, the API docs)
 * is left out because it is not fetched for the first paint.
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
      const sizes = new Map<string, number>()
      const gz = (c: Chunk) => {
        let n = sizes.get(c.fileName)
        if (n === undefined) {
          n = gzipSync(c.code).length
          sizes.set(c.fileName, n)
        }
        return n
      }
      const closure = (start: Chunk, seen = new Set<string>()) => {
        const walk = (c: Chunk) => {
          if (seen.has(c.fileName)) return
          seen.add(c.fileName)
          for (const f of c.imports) {
            const dep = byFile.get(f)
            if (dep) walk(dep)
          }
        }
        walk(start)
        return seen
      }
      const sum = (files: Set<string>) => [...files].reduce((n, f) => n + (byFile.has(f) ? gz(byFile.get(f) as Chunk) : 0), 0)
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

      const entryId = resolve(root, opts.entryHtml)
      const entry = chunks.find((c) => c.isEntry && c.facadeModuleId === entryId)
      if (!entry) return this.error(`bundle budget: no entry chunk for ${opts.entryHtml}`)
      const shell = closure(entry)
      // BUNDLE_BUDGET_VERBOSE=1 lists every chunk (* = part of the shell) to find what grew.
      if (process.env.BUNDLE_BUDGET_VERBOSE) {
        for (const c of chunks) {
          const top = c.moduleIds.filter((m) => !m.includes('?')).slice(0, 4).map((m) => m.replace(/.*node_modules\//, ''))
          console.log(`${shell.has(c.fileName) ? '*' : ' '} ${kb(gz(c)).padStart(9)} ${c.fileName} ${top.join(', ')}`)
        }
      }
      const lines = [
        `initial JavaScript per landing page (gzip; budget ${kb(opts.maxGzipBytes)}):`,
        `  ${'shell'.padEnd(12)} ${kb(sum(shell)).padStart(9)}  (${opts.entryHtml} and its static imports)`,
      ]
      const over: string[] = []
      for (const [page, modules] of Object.entries(opts.initialPages)) {
        const files = new Set(shell)
        for (const m of modules) {
          const chunk = chunks.find((c) => c.facadeModuleId === resolve(root, m))
          if (!chunk) return this.error(`bundle budget: ${m} is not a chunk of its own (is it lazy-loaded?)`)
          closure(chunk, files)
        }
        const total = sum(files)
        lines.push(`  ${page.padEnd(12)} ${kb(total).padStart(9)}  (shell + ${modules.map((m) => m.replace(/^.*\//, '')).join(' + ')})`)
        if (total > opts.maxGzipBytes) over.push(`${page} (${kb(total)})`)
      }
      console.log('\n' + lines.join('\n') + '\n')
      if (over.length) this.error(`initial JavaScript over budget: ${over.join(', ')}`)
    },
  }
}
