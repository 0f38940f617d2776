import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type APIToken = components['schemas']['APIToken']

export function apiTokensQueryOptions(tenantId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.apiTokens(tenantId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/api-tokens', {
          params: { path: { tenant_id: tenantId }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ tokens: data.pages.flatMap((p) => p.items) }),
  })
}
