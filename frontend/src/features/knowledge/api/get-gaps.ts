import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type KnowledgeGap = components['schemas']['KnowledgeGap']

/** Open gaps (questions nothing answered), grouped by the server, most asked first. */
export function gapsQueryOptions(tenantId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.knowledgeGaps(tenantId, 'open'),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/knowledge/gaps', {
          params: { path: { tenant_id: tenantId }, query: { status: 'open', limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => data.pages.flatMap((p) => p.items),
  })
}
