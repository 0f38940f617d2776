import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type APITokenCreate = components['schemas']['APITokenCreate']
export type APITokenCreated = components['schemas']['APITokenCreated']

export function useCreateAPIToken(
  tenantId: string,
  options: Pick<UseMutationOptions<APITokenCreated, unknown, APITokenCreate>, 'onSuccess' | 'onError'> = {},
) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: APITokenCreate) =>
      dataOf(await api.POST('/api/portal/tenants/{tenant_id}/api-tokens', { params: { path: { tenant_id: tenantId } }, body })),
    onSuccess: (token, ...rest) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiTokens(tenantId) })
      return options.onSuccess?.(token, ...rest)
    },
  })
}
