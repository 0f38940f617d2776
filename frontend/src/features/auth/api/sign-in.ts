import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Me } from './get-me'

type SignInRequest = components['schemas']['SignInRequest']

export function useSignIn(options: Pick<UseMutationOptions<Me, unknown, SignInRequest>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: SignInRequest) => dataOf(await api.POST('/api/portal/auth/signin', { body })),
    onSuccess: (me, ...rest) => {
      // Nothing cached for a previous session may leak into this one.
      queryClient.clear()
      queryClient.setQueryData(queryKeys.me, me)
      return options.onSuccess?.(me, ...rest)
    },
  })
}
