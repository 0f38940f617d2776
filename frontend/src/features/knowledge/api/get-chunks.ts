import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type KnowledgeChunk = components['schemas']['KnowledgeChunk']

/** A source's chunks in document order, 20 at a time. */
export function chunksQueryOptions(tenantId: string, sourceId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.knowledgeChunks(tenantId, sourceId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/knowledge/sources/{source_id}/chunks', {
          params: { path: { tenant_id: tenantId, source_id: sourceId }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => data.pages.flatMap((p) => p.items),
  })
}
