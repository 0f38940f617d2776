import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Me = components['schemas']['Me']
export type Membership = components['schemas']['Membership']

export function meQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.me,
    queryFn: async ({ signal }) => dataOf(await api.GET('/api/portal/me', { signal })),
    staleTime: 60_000,
    meta: { authProbe: true },
  })
}
