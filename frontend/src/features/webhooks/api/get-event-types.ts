import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'
import { webhookKeys } from './keys'

export type WebhookEventType = components['schemas']['WebhookEventType']

export function eventTypesQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: webhookKeys.eventTypes(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/webhook-event-types', { params: { path: { tenant_id: tenantId } }, signal })),
    select: (data) => data.items,
    staleTime: Infinity,
  })
}
