import type { KnowledgeSource } from '../api/get-sources'
import { isWorking } from '../api/polling'

const labels = { queued: 'Queued', fetching: 'Fetching', indexing: 'Indexing', ready: 'Ready', failed: 'Failed' } as const
const tones = { queued: 'neutral', fetching: 'accent', indexing: 'accent', ready: 'success', failed: 'danger' } as const

export function statusLabel(s: Pick<KnowledgeSource, 'status'>) {
  return { label: labels[s.status], tone: tones[s.status], working: isWorking(s.status) }
}

/**
 * The progress the server reports while it works: "3 of 12 documents". Only
 * counts the server gave; nothing while it does not know the total yet.
 */
export function progressText(s: Pick<KnowledgeSource, 'status' | 'progress'>): string | null {
  if (!isWorking(s.status) || s.progress.total <= 0) return null
  return `${s.progress.done.toLocaleString('en-US')} of ${s.progress.total.toLocaleString('en-US')} document${s.progress.total === 1 ? '' : 's'}`
}

const units = ['bytes', 'KB', 'MB', 'GB'] as const

export function formatBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${n.toLocaleString('en-US')} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

/** Where a source comes from, in a few words. */
export function sourceOrigin(s: Pick<KnowledgeSource, 'kind' | 'url' | 'file_name' | 'max_pages' | 'max_depth' | 'question'>): string {
  switch (s.kind) {
    case 'file':
      return s.file_name ?? 'Uploaded file'
    case 'url':
      return s.url ?? 'Page'
    case 'site':
      return `${s.url ?? 'Site'} · up to ${s.max_pages ?? '?'} pages, ${s.max_depth ?? '?'} links deep`
    case 'snippet':
      return s.question ? `Q&A: ${s.question}` : 'Snippet'
  }
}
