import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import { pollInterval } from './polling'

export type KnowledgeSource = components['schemas']['KnowledgeSource']
export type KnowledgeSourceStatus = components['schemas']['KnowledgeSourceStatus']

/**
 * The tenant's sources, newest first. While the server is still working on
 * one (queued, fetching, indexing) the list looks again on its own, so the
 * status and the progress counts shown are the server's, as they change.
 */
export function sourcesQueryOptions(tenantId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.knowledgeSources(tenantId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/knowledge/sources', {
          params: { path: { tenant_id: tenantId }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => data.pages.flatMap((p) => p.items),
    refetchInterval: (q) => pollInterval(q.state.data?.pages.flatMap((p) => p.items), q.state.dataUpdateCount),
  })
}
