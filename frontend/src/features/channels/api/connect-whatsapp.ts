import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Connection } from './get-connections'

export type WhatsAppConnect = Omit<components['schemas']['WhatsAppConnect'], 'tenant_id'>

export function useConnectWhatsApp(
  tenantId: string,
  options: Pick<UseMutationOptions<Connection, unknown, WhatsAppConnect>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: WhatsAppConnect) =>
      dataOf(await api.POST('/api/portal/channels/whatsapp/connect', { body: { tenant_id: tenantId, ...body } })),
    onSuccess: async (conn, ...rest) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId), refetchType: 'all' }),
        queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId), refetchType: 'all' }),
      ])
      return options.onSuccess?.(conn, ...rest)
    },
  })
}
