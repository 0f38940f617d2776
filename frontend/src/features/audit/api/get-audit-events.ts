import { infiniteQueryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import { toAuditQuery, type AuditSearch } from '../audit-search'

export type AuditEvent = components['schemas']['AuditEvent']

export function auditEventsQueryOptions(tenantId: string, search: AuditSearch) {
  return infiniteQueryOptions({
    // The key holds the search as written (e.g. "7d"), not resolved instants.
    queryKey: queryKeys.auditEvents(tenantId, { ...search }),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/audit-events', {
          params: {
            path: { tenant_id: tenantId },
            query: { limit: 50, ...toAuditQuery(search), ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ events: data.pages.flatMap((p) => p.items) }),
    // Every change anywhere writes to the trail, so never trust a cached page.
    staleTime: 0,
  })
}
