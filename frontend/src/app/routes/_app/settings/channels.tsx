import { useInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, Link } from '@tanstack/react-router'
import { Plus } from 'lucide-react'
import { buttonClass } from '@/components/ui/button'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { ConnectionsList } from '@/features/channels/components/connections-list'
import { readinessQueryOptions } from '@/features/readiness/api/get-readiness'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings/channels')({
  loader: async ({ context: { queryClient, tenantId } }) => {
    await Promise.all([
      queryClient.ensureInfiniteQueryData(connectionsQueryOptions(tenantId)),
      queryClient.ensureQueryData(readinessQueryOptions(tenantId)),
    ])
  },
  component: ChannelsPage,
})

function ChannelsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const agents = useInfiniteQuery(agentsQueryOptions(tenantId))
  const readiness = useSuspenseQuery(readinessQueryOptions(tenantId)).data
  const canManage = hasRole(membership.role, 'admin')
  // What the platform cannot receive, per connection, in one sentence.
  const receives = Object.fromEntries(readiness.connections.map((c) => [c.connection_id, c.receives.available ? null : c.receives.reason]))
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
      <ConnectionsList tenantId={tenantId} agents={agents.data?.agents ?? []} canManage={canManage} cannotReceive={receives} />
    </>
  )
}
