import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useDeleteLLMKey(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (keyId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/llm-keys/{key_id}', {
        params: { path: { tenant_id: tenantId, key_id: keyId } },
      })
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.llmKeys(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.models(tenantId) })
      // Agents that pinned the key now fall back to another one.
      void queryClient.invalidateQueries({ queryKey: ['tenants', tenantId, 'agents'] })
      onSuccess?.()
    },
    // Shown where the action was started, never as a toast.
    onError: () => {},
  })
}
