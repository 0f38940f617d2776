import { createLazyRoute, Link } from '@tanstack/react-router'
import { Plus } from 'lucide-react'
import { buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { AgentsList } from '@/features/agents/components/agents-list'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/agents')({ component: AgentsPage })

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
