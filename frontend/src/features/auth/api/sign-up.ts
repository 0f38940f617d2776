import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Me } from './get-me'

type SignUpRequest = components['schemas']['SignUpRequest']

export function useSignUp(options: Pick<UseMutationOptions<Me, unknown, SignUpRequest>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: SignUpRequest) => dataOf(await api.POST('/api/portal/auth/signup', { body })),
    onSuccess: (me, ...rest) => {
      queryClient.clear()
      queryClient.setQueryData(queryKeys.me, me)
      return options.onSuccess?.(me, ...rest)
    },
  })
}
