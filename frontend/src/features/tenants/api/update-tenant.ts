import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { Tenant } from './get-tenant'

type TenantUpdate = components['schemas']['TenantUpdate']

export function useUpdateTenant(tenantId: string, options: Pick<UseMutationOptions<Tenant, unknown, TenantUpdate>, 'onSuccess' | 'onError'> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...options,
    mutationFn: async (body: TenantUpdate) =>
      dataOf(await api.PATCH('/api/portal/tenants/{tenant_id}', { params: { path: { tenant_id: tenantId } }, body })),
    onSuccess: (tenant, ...rest) => {
      queryClient.setQueryData(queryKeys.tenant(tenantId), tenant)
      // The tenant's name is also part of every membership in /me.
      void queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true })
      return options.onSuccess?.(tenant, ...rest)
    },
  })
}
