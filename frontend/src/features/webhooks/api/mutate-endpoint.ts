import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'
import { webhookKeys } from './keys'

export type WebhookEndpointCreate = components['schemas']['WebhookEndpointCreate']
export type WebhookEndpointUpdate = components['schemas']['WebhookEndpointUpdate']
export type WebhookEndpointCreated = components['schemas']['WebhookEndpointCreated']
export type WebhookSecretRotated = components['schemas']['WebhookSecretRotated']

type Callbacks<T, V> = Pick<UseMutationOptions<T, unknown, V>, 'onSuccess' | 'onError'>

const path = (tenantId: string, endpointId: string) => ({ path: { tenant_id: tenantId, endpoint_id: endpointId } })

/** Endpoints and the log show endpoint state: a change refreshes both. */
function useInvalidate(tenantId: string) {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: webhookKeys.all(tenantId) })
}

export function useCreateEndpoint(tenantId: string, options: Callbacks<WebhookEndpointCreated, WebhookEndpointCreate> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async (body: WebhookEndpointCreate) =>
      dataOf(await api.POST('/api/portal/tenants/{tenant_id}/webhook-endpoints', { params: { path: { tenant_id: tenantId } }, body })),
    onSuccess: (created, ...rest) => {
      void invalidate()
      return options.onSuccess?.(created, ...rest)
    },
  })
}

export function useUpdateEndpoint(tenantId: string, endpointId: string, options: Callbacks<unknown, WebhookEndpointUpdate> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async (body: WebhookEndpointUpdate) =>
      dataOf(await api.PATCH('/api/portal/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}', { params: path(tenantId, endpointId), body })),
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  })
}

export function useDeleteEndpoint(tenantId: string, options: Callbacks<void, string> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async (endpointId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}', { params: path(tenantId, endpointId) })
    },
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  })
}

export function useRotateSecret(tenantId: string, endpointId: string, options: Callbacks<WebhookSecretRotated, number> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async (overlapSeconds: number) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}/rotate-secret', {
          params: path(tenantId, endpointId),
          body: { overlap_seconds: overlapSeconds },
        }),
      ),
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  })
}

export function useSendTest(tenantId: string, options: Callbacks<unknown, string> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async (endpointId: string) =>
      dataOf(await api.POST('/api/portal/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}/test', { params: path(tenantId, endpointId) })),
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  })
}

export interface ReplayInput {
  since: string
  onlyUndelivered: boolean
}

export function useReplaySince(tenantId: string, endpointId: string, options: Callbacks<{ queued: number }, ReplayInput> = {}) {
  const invalidate = useInvalidate(tenantId)
  return useMutation({
    ...options,
    mutationFn: async ({ since, onlyUndelivered }: ReplayInput) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}/replay', {
          params: path(tenantId, endpointId),
          body: { since, only_undelivered: onlyUndelivered },
        }),
      ),
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  })
}
