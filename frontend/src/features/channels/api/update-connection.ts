import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useUpdateConnection(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ connectionId, agentId }: { connectionId: string; agentId: string | null }) =>
      dataOf(
        await api.PATCH('/api/portal/tenants/{tenant_id}/channels/{connection_id}', {
          params: { path: { tenant_id: tenantId, connection_id: connectionId } },
          body: { agent_id: agentId },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      onSuccess?.()
    },
    // Shown on the connection's card, never as a toast.
    onError: () => {},
  })
}
