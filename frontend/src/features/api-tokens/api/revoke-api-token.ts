import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useRevokeAPIToken(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (tokenId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/api-tokens/{token_id}', {
        params: { path: { tenant_id: tenantId, token_id: tokenId } },
      })
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiTokens(tenantId) })
      onSuccess?.()
    },
    // Shown where the action was started, never as a toast.
    onError: () => {},
  })
}
