import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Tenant = components['schemas']['Tenant']

export function tenantQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: queryKeys.tenant(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}', { params: { path: { tenant_id: tenantId } }, signal })),
  })
}
