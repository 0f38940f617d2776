import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { createFileRoute } from '@tanstack/react-router'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { gapsQueryOptions } from '@/features/knowledge/api/get-gaps'
import { GapsPanel } from '@/features/knowledge/components/gaps-panel'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/knowledge/gaps')({
  loader: ({ context: { queryClient, tenantId } }) =>
    Promise.all([queryClient.ensureInfiniteQueryData(gapsQueryOptions(tenantId)), queryClient.ensureInfiniteQueryData(agentsQueryOptions(tenantId))]).then(
      () => undefined,
    ),
  component: KnowledgeGapsPage,
})

function KnowledgeGapsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const agents = useSuspenseInfiniteQuery(agentsQueryOptions(tenantId)).data.agents
  const names = new Map(agents.map((a) => [a.id, a.name]))
  return <GapsPanel tenantId={tenantId} canManage={hasRole(membership.role, 'admin')} agentName={(id) => (id ? names.get(id) : undefined)} />
}
