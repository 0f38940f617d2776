import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

type Membership = components['schemas']['Membership']

/** Accepts an invitation with its link's token; the new workspace joins /me. */
export function useAcceptInvitation(options: Pick<UseMutationOptions<Membership, unknown, string>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (token: string) => dataOf(await api.POST('/api/portal/invitations/accept', { body: { token } })),
    onSuccess: async (membership, ...rest) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true })
      return options.onSuccess?.(membership, ...rest)
    },
  })
}
