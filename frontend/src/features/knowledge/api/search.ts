import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import type { components } from '@/api/schema.gen'

export type KnowledgeSearch = components['schemas']['KnowledgeSearch']
export type KnowledgeSearchResult = components['schemas']['KnowledgeSearchResult']
export type KnowledgeHit = components['schemas']['KnowledgeHit']

/** The retrieval tester: ranks chunks exactly as a turn would, and records nothing. */
export function useSearchKnowledge(tenantId: string) {
  return useMutation({
    mutationFn: async (body: KnowledgeSearch) =>
      dataOf(await api.POST('/api/portal/tenants/{tenant_id}/knowledge/search', { params: { path: { tenant_id: tenantId } }, body })),
  })
}
