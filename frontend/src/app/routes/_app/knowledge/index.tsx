import { createFileRoute } from '@tanstack/react-router'
import { sourcesQueryOptions } from '@/features/knowledge/api/get-sources'
import { SourcesPanel } from '@/features/knowledge/components/sources-panel'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/knowledge/')({
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureInfiniteQueryData(sourcesQueryOptions(tenantId)).then(() => undefined),
  component: KnowledgeSourcesPage,
})

function KnowledgeSourcesPage() {
  const { membership, tenantId } = Route.useRouteContext()
  return <SourcesPanel tenantId={tenantId} canManage={hasRole(membership.role, 'admin')} />
}
