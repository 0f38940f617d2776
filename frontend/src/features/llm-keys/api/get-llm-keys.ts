import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type LLMKey = components['schemas']['LLMKey']

export function llmKeysQueryOptions(tenantId: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.llmKeys(tenantId),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/llm-keys', {
          params: { path: { tenant_id: tenantId }, query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ keys: data.pages.flatMap((p) => p.items) }),
  })
}
