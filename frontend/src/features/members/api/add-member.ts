import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Member } from './get-members'

type MemberCreate = components['schemas']['MemberCreate']

export function useAddMember(tenantId: string, options: Pick<UseMutationOptions<Member, unknown, MemberCreate>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: MemberCreate) =>
      dataOf(await api.POST('/api/portal/tenants/{tenant_id}/members', { params: { path: { tenant_id: tenantId } }, body })),
    onSuccess: (member, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.members(tenantId) })
      return options.onSuccess?.(member, ...rest)
    },
  })
}
