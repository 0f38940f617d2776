import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function useRemoveMember(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (memberId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/members/{member_id}', {
        params: { path: { tenant_id: tenantId, member_id: memberId } },
      })
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.members(tenantId) })
      // Removing yourself takes the tenant out of /me.
      void queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true })
      onSuccess?.()
    },
    // Shown where the action was started, never as a toast.
    onError: () => {},
  })
}
