import type { KnowledgeChunk } from '../api/get-chunks'

/** Where a chunk sits: its document, heading path and page, linked when it has an address. */
export function ChunkPlace({ chunk: c }: { chunk: KnowledgeChunk }) {
  const path = c.heading_path.length > 0 ? c.heading_path.join(' › ') : null
  return (
    <p className="text-xs text-zinc-600">
      {c.url ? (
        <a href={c.url} target="_blank" rel="noopener noreferrer" className="font-medium text-brand-700 hover:underline">
          {c.title}
        </a>
      ) : (
        <span className="font-medium text-zinc-900">{c.title}</span>
      )}
      {path && <> · {path}</>}
      {c.page !== null && <> · page {c.page}</>}
    </p>
  )
}
