import { useInfiniteQuery } from '@tanstack/react-query'
import { Dialog, DialogContent } from '@/components/ui/dialog'
import { ErrorState } from '@/components/ui/error-state'
import { LoadMore } from '@/components/ui/load-more'
import { ListSkeleton } from '@/components/ui/skeleton'
import { chunksQueryOptions } from '../api/get-chunks'
import type { KnowledgeSource } from '../api/get-sources'
import { ChunkPlace } from './chunk-place'

/** A source's chunks as the agent sees them: heading path, page or anchor, tokens and text. */
export function ChunksDialog({ tenantId, source, onOpenChange }: { tenantId: string; source: KnowledgeSource | null; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={source !== null} onOpenChange={onOpenChange}>
      {source && (
        <DialogContent title={`Chunks of ${source.title}`} description={`${source.chunks.toLocaleString('en-US')} chunks, in document order.`} className="max-w-2xl">
          <ChunkList tenantId={tenantId} sourceId={source.id} />
        </DialogContent>
      )}
    </Dialog>
  )
}

function ChunkList({ tenantId, sourceId }: { tenantId: string; sourceId: string }) {
  const chunks = useInfiniteQuery(chunksQueryOptions(tenantId, sourceId))
  if (chunks.isPending) return <ListSkeleton label="Loading chunks" />
  if (chunks.isError) return <ErrorState error={chunks.error} onRetry={() => chunks.refetch()} />
  if (chunks.data.length === 0) return <p className="text-sm text-zinc-600">This source has no chunks (yet).</p>
  return (
    <>
      <ol aria-label="Chunks" className="space-y-3">
        {chunks.data.map((c) => (
          <li key={c.id} className="rounded-md border border-zinc-200 p-3 text-sm">
            <ChunkPlace chunk={c} />
            <p className="mt-1.5 break-words whitespace-pre-wrap text-zinc-800">{c.text}</p>
            <p className="mt-1 text-xs text-zinc-600">
              #{c.ordinal + 1} · {c.tokens} tokens
            </p>
          </li>
        ))}
      </ol>
      <LoadMore hasNextPage={chunks.hasNextPage} isFetchingNextPage={chunks.isFetchingNextPage} fetchNextPage={chunks.fetchNextPage} />
    </>
  )
}
