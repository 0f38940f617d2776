import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useDeleteAgent(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (agentId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/agents/{agent_id}', {
        params: { path: { tenant_id: tenantId, agent_id: agentId } },
      })
    },
    onSuccess: async (_data, agentId) => {
      queryClient.removeQueries({ queryKey: queryKeys.agent(tenantId, agentId), exact: true })
      // Refetched before the caller moves on, so no list shows the agent again.
      await queryClient.invalidateQueries({ queryKey: queryKeys.agents(tenantId), refetchType: 'all' })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      onSuccess?.()
    },
    // Shown where the action was started, never as a toast.
    onError: () => {},
  })
}
