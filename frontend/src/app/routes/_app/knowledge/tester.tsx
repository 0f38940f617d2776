import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { createFileRoute } from '@tanstack/react-router'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { RetrievalTester } from '@/features/knowledge/components/retrieval-tester'

export const Route = createFileRoute('/_app/knowledge/tester')({
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureInfiniteQueryData(agentsQueryOptions(tenantId)).then(() => undefined),
  component: KnowledgeTesterPage,
})

function KnowledgeTesterPage() {
  const { tenantId } = Route.useRouteContext()
  const agents = useSuspenseInfiniteQuery(agentsQueryOptions(tenantId)).data.agents
  return <RetrievalTester tenantId={tenantId} agents={agents} />
}
