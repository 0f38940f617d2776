import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'
import { webhookKeys } from './keys'

export type WebhookEndpoint = components['schemas']['WebhookEndpoint']

export function endpointsQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: webhookKeys.endpoints(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/webhook-endpoints', { params: { path: { tenant_id: tenantId } }, signal })),
    select: (data) => data.items,
  })
}
