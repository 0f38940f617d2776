import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

/** Runs the connection's diagnosis now; the result is kept on the connection. */
export function useCheckConnection(tenantId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (connectionId: string) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/channels/{connection_id}/check', {
          params: { path: { tenant_id: tenantId, connection_id: connectionId } },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId) }),
    // Shown on the connection's card, never as a toast.
    onError: () => {},
  })
}
