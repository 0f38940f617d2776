import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Tenant } from './get-tenant'

type TenantCreate = components['schemas']['TenantCreate']

export function useCreateTenant(options: Pick<UseMutationOptions<Tenant, unknown, TenantCreate>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: TenantCreate) => dataOf(await api.POST('/api/portal/tenants', { body })),
    onSuccess: async (tenant, ...rest) => {
      queryClient.setQueryData(queryKeys.tenant(tenant.id), tenant)
      // The new membership must be in /me before the portal switches to it.
      await queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true })
      return options.onSuccess?.(tenant, ...rest)
    },
  })
}
