import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Member = components['schemas']['Member']

export function membersQueryOptions(tenantId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.members(tenantId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/members', {
          params: { path: { tenant_id: tenantId }, query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ members: data.pages.flatMap((p) => p.items) }),
  })
}
