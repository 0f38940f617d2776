import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { createLazyRoute } from '@tanstack/react-router'
import { Bot, PiggyBank, Users } from 'lucide-react'
import { ErrorState } from '@/components/ui/error-state'
import { PageHeader } from '@/components/ui/page-header'
import { Skeleton } from '@/components/ui/skeleton'
import { agentsQueryOptions } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { conversationsQueryOptions } from '@/features/conversations/api/get-conversations'
import { attentionItems } from '@/features/dashboard/attention'
import { AttentionList } from '@/features/dashboard/components/attention-list'
import { StatCard } from '@/features/dashboard/components/stat-card'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { formatUSD } from '@/lib/format'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/')({ component: DashboardPage })

function DashboardPage() {
  const { user, membership, tenantId } = Route.useRouteContext()
  const agents = useInfiniteQuery(agentsQueryOptions(tenantId))
  const tenant = useQuery(tenantQueryOptions(tenantId))
  const members = useInfiniteQuery(membersQueryOptions(tenantId))
  const canManage = hasRole(membership.role, 'admin')
  const connections = useInfiniteQuery(connectionsQueryOptions(tenantId))
  const llmKeys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })
  const escalated = useInfiniteQuery(conversationsQueryOptions(tenantId, { status: 'escalated' }))
  const flagged = useInfiniteQuery(conversationsQueryOptions(tenantId, { flagged: true }))
  const count = (q: typeof escalated) => (q.data ? { count: q.data.conversations.length, more: q.data.hasMore } : undefined)

  const agentList = agents.data?.agents
  const memberList = members.data?.members
  const active = agentList?.filter((a) => a.is_active).length
  const invited = memberList?.filter((m) => m.status === 'invited').length
  const budget = tenant.data?.budget_limit_usd
  const ready = agentList !== undefined && tenant.data !== undefined && memberList !== undefined
  const firstError = agents.error ?? tenant.error ?? members.error

  return (
    <>
      <PageHeader title={`Hello, ${user.name.split(' ')[0] ?? user.name}`} description={`Here’s what’s going on in ${membership.tenant_name}.`} />
      <div className="space-y-6">
        {firstError ? (
          <ErrorState error={firstError} onRetry={() => void Promise.all([agents.refetch(), tenant.refetch(), members.refetch()])} />
        ) : ready ? (
          <AttentionList
            items={attentionItems({
              agents: agentList,
              budgetLimitUsd: tenant.data.budget_limit_usd,
              pendingInvites: invited ?? 0,
              canManage,
              connections: connections.data?.connections,
              llmKeys: llmKeys.data?.keys,
              escalated: count(escalated),
              flagged: count(flagged),
            })}
          />
        ) : (
          <div role="status" className="rounded-lg border border-zinc-200 bg-white p-5">
            <span className="sr-only">Loading…</span>
            <Skeleton className="h-5 w-40" />
            <Skeleton className="mt-4 h-12 w-full" />
          </div>
        )}
        <div className="grid gap-4 sm:grid-cols-3">
          <StatCard
            icon={Bot}
            label="Active agents"
            value={agentList && active !== undefined ? `${active}` : undefined}
            detail={agentList && `${agentList.length} in total`}
          />
          <StatCard
            icon={Users}
            label="Members"
            value={memberList && invited !== undefined ? `${memberList.length - invited}` : undefined}
            detail={invited ? `${invited} invited` : memberList && 'No pending invitations'}
          />
          <StatCard
            icon={PiggyBank}
            label="Monthly budget"
            value={tenant.data ? (budget === null || budget === undefined ? 'No limit' : formatUSD(budget)) : undefined}
            detail={tenant.data && 'LLM spend per calendar month'}
          />
        </div>
      </div>
    </>
  )
}
