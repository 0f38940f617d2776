import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type BillingState = components['schemas']['BillingState']

export function billingQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: queryKeys.billing(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/billing', { params: { path: { tenant_id: tenantId } }, signal })),
  })
}
