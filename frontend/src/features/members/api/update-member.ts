import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { Role } from '@/lib/roles'

export function useUpdateMemberRole(tenantId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ memberId, role }: { memberId: string; role: Role }) =>
      dataOf(
        await api.PATCH('/api/portal/tenants/{tenant_id}/members/{member_id}', {
          params: { path: { tenant_id: tenantId, member_id: memberId } },
          body: { role },
        }),
      ),
    // On failure the select snaps back too, because the list is refetched either way.
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.members(tenantId) }),
    onSuccess: () => {
      // Your own role may have changed, and /me carries it.
      void queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true })
      onSuccess?.()
    },
    // Shown where the action was started, never as a toast.
    onError: () => {},
  })
}
