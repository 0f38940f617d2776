import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type AgentKnowledge = components['schemas']['AgentKnowledge']
export type AgentKnowledgeUpdate = components['schemas']['AgentKnowledgeUpdate']

/** The sources an agent may answer from, its knowledge token budget and what it does when nothing fits. */
export function agentKnowledgeQueryOptions(tenantId: string, agentId: string) {
  return queryOptions({
    queryKey: queryKeys.agentKnowledge(tenantId, agentId),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.GET('/api/portal/tenants/{tenant_id}/agents/{agent_id}/knowledge', {
          params: { path: { tenant_id: tenantId, agent_id: agentId } },
          signal,
        }),
      ),
  })
}

