import { infiniteQueryOptions, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'
import { webhookKeys } from './keys'

export type WebhookDelivery = components['schemas']['WebhookDelivery']
export type WebhookDeliveryDetail = components['schemas']['WebhookDeliveryDetail']
export type DeliveryState = components['schemas']['WebhookDeliveryState']

export interface DeliveryFilters {
  endpoint_id?: string | undefined
  state?: DeliveryState | undefined
  event_type?: string | undefined
}

export function deliveriesQueryOptions(tenantId: string, filters: DeliveryFilters) {
  return infiniteQueryOptions({
    queryKey: webhookKeys.deliveries(tenantId, { ...filters }),
    queryFn: async ({ pageParam, signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/webhook-deliveries', {
          params: {
            path: { tenant_id: tenantId },
            query: {
              limit: 25,
              ...(filters.endpoint_id ? { endpoint_id: filters.endpoint_id } : {}),
              ...(filters.state ? { state: filters.state } : {}),
              ...(filters.event_type ? { event_type: filters.event_type } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    select: (data) => ({ deliveries: data.pages.flatMap((p) => p.items) }),
  })
}

export function deliveryQueryOptions(tenantId: string, deliveryId: string) {
  return queryOptions({
    queryKey: webhookKeys.delivery(tenantId, deliveryId),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/webhook-deliveries/{delivery_id}', {
          params: { path: { tenant_id: tenantId, delivery_id: deliveryId } },
          signal,
        }),
      ),
    // Pending deliveries change on their own: look again while one is open.
    refetchInterval: (q) => (q.state.data && ['pending', 'waiting'].includes(q.state.data.delivery.state) ? 2000 : false),
  })
}

export function useReplayDelivery(tenantId: string, { onSuccess }: { onSuccess?: (d: WebhookDelivery) => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (deliveryId: string) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/webhook-deliveries/{delivery_id}/replay', {
          params: { path: { tenant_id: tenantId, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: (d) => {
      void queryClient.invalidateQueries({ queryKey: webhookKeys.deliveryLists(tenantId) })
      onSuccess?.(d)
    },
  })
}
