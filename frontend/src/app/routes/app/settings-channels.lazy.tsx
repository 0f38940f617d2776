import { useInfiniteQuery } from '@tanstack/react-query'
import { createLazyRoute, Link } from '@tanstack/react-router'
import { Plus } from 'lucide-react'
import { buttonClass } from '@/components/ui/button'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { ConnectionsList } from '@/features/channels/components/connections-list'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/settings/channels')({ component: ChannelsPage })

function ChannelsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const agents = useInfiniteQuery(agentsQueryOptions(tenantId))
  const canManage = hasRole(membership.role, 'admin')
  return (
    <>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">Slack workspaces and WhatsApp numbers your agents answer on.</p>
        {canManage && (
          <Link to="/onboarding" search={{ step: 1 }} className={buttonClass('primary')}>
            <Plus className="size-4" aria-hidden /> Connect a channel
          </Link>
        )}
      </div>
      <ConnectionsList tenantId={tenantId} agents={agents.data?.agents ?? []} canManage={canManage} />
    </>
  )
}
