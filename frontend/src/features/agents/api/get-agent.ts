import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'

export function agentQueryOptions(tenantId: string, agentId: string) {
  return queryOptions({
    queryKey: queryKeys.agent(tenantId, agentId),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/agents/{agent_id}', {
          params: { path: { tenant_id: tenantId, agent_id: agentId } },
          signal,
        }),
      ),
  })
}
