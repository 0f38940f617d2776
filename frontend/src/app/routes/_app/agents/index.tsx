import { createFileRoute, Link } from '@tanstack/react-router'
import { Plus } from 'lucide-react'
import { buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { AgentsList } from '@/features/agents/components/agents-list'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/agents/')({
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureInfiniteQueryData(agentsQueryOptions(tenantId)).then(() => undefined),
  component: AgentsPage,
})

function AgentsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const canManage = hasRole(membership.role, 'admin')
  return (
    <>
      <PageHeader
        title="Agents"
        description="Your AI employees and how each one behaves."
        actions={
          canManage && (
            <Link to="/agents/new" className={buttonClass('primary')}>
              <Plus className="size-4" aria-hidden /> New agent
            </Link>
          )
        }
      />
      <AgentsList tenantId={tenantId} canManage={canManage} />
    </>
  )
}
