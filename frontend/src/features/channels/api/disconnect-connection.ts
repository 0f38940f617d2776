import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useDisconnectConnection(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (connectionId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/channels/{connection_id}', {
        params: { path: { tenant_id: tenantId, connection_id: connectionId } },
      })
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      onSuccess?.()
    },
    // Shown in the confirmation dialog, never as a toast.
    onError: () => {},
  })
}
