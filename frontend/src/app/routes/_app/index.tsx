import { useInfiniteQuery, useSuspenseInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute } from '@tanstack/react-router'
import { Bot, PiggyBank, Users } from 'lucide-react'
import { PageHeader } from '@/components/ui/page-header'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { conversationsQueryOptions } from '@/features/conversations/api/get-conversations'
import { attentionItems } from '@/features/dashboard/attention'
import { AttentionList } from '@/features/dashboard/components/attention-list'
import { StatCard } from '@/features/dashboard/components/stat-card'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { readinessQueryOptions } from '@/features/readiness/api/get-readiness'
import { LiveStatus } from '@/features/readiness/components/live-status'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { formatUSD } from '@/lib/format'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/')({
  loader: async ({ context: { queryClient, tenantId, membership } }) => {
    await Promise.all([
      queryClient.ensureQueryData(readinessQueryOptions(tenantId)),
      queryClient.ensureInfiniteQueryData(agentsQueryOptions(tenantId)),
      queryClient.ensureQueryData(tenantQueryOptions(tenantId)),
      queryClient.ensureInfiniteQueryData(membersQueryOptions(tenantId)),
      queryClient.ensureInfiniteQueryData(connectionsQueryOptions(tenantId)),
      queryClient.ensureInfiniteQueryData(conversationsQueryOptions(tenantId, { status: 'escalated' })),
      queryClient.ensureInfiniteQueryData(conversationsQueryOptions(tenantId, { flagged: true })),
    ])
    // Failing keys are a hint, not the page: they never hold it up.
    if (hasRole(membership.role, 'admin')) void queryClient.prefetchInfiniteQuery(llmKeysQueryOptions(tenantId))
  },
  component: DashboardPage,
})

function DashboardPage() {
  const { user, membership, tenantId } = Route.useRouteContext()
  const canManage = hasRole(membership.role, 'admin')
  const readiness = useSuspenseQuery(readinessQueryOptions(tenantId)).data
  const { agents } = useSuspenseInfiniteQuery(agentsQueryOptions(tenantId)).data
  const tenant = useSuspenseQuery(tenantQueryOptions(tenantId)).data
  const { members } = useSuspenseInfiniteQuery(membersQueryOptions(tenantId)).data
  const { connections } = useSuspenseInfiniteQuery(connectionsQueryOptions(tenantId)).data
  const escalated = useSuspenseInfiniteQuery(conversationsQueryOptions(tenantId, { status: 'escalated' })).data
  const flagged = useSuspenseInfiniteQuery(conversationsQueryOptions(tenantId, { flagged: true })).data
  const llmKeys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })

  const active = agents.filter((a) => a.is_active).length
  const invited = members.filter((m) => m.status === 'invited').length
  const budget = tenant.budget_limit_usd

  return (
    <>
      <PageHeader title={`Hello, ${user.name.split(' ')[0] || user.name}`} description={`Here’s what’s going on in ${membership.tenant_name}.`} />
      <div className="space-y-6">
        <LiveStatus readiness={readiness} canAct={canManage} />
        <AttentionList
          items={attentionItems({
            budgetLimitUsd: budget,
            pendingInvites: invited,
            canManage,
            connections,
            llmKeys: llmKeys.data?.keys,
            escalated: { count: escalated.conversations.length, more: escalated.hasMore },
            flagged: { count: flagged.conversations.length, more: flagged.hasMore },
          })}
        />
        <div className="grid gap-4 sm:grid-cols-3">
          <StatCard icon={Bot} label="Active agents" value={`${active}`} detail={`${agents.length} in total`} />
          <StatCard
            icon={Users}
            label="Members"
            value={`${members.length - invited}`}
            detail={invited ? `${invited} invited` : 'No pending invitations'}
          />
          <StatCard
            icon={PiggyBank}
            label="Monthly budget"
            value={budget === null || budget === undefined ? 'No limit' : formatUSD(budget)}
            detail="LLM spend per calendar month"
          />
        </div>
      </div>
    </>
  )
}
