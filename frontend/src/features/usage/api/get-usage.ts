import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Usage = components['schemas']['Usage']
export type Budget = components['schemas']['Budget']

export function usageQueryOptions(tenantId: string, range: { from: string; to: string }) {
  return queryOptions({
    queryKey: queryKeys.usage(tenantId, range),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/usage', { params: { path: { tenant_id: tenantId }, query: range }, signal })),
  })
}
