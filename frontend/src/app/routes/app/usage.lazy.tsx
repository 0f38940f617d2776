import { useQuery } from '@tanstack/react-query'
import { createLazyRoute, useNavigate } from '@tanstack/react-router'
import { BarChart3 } from 'lucide-react'
import { lazy, Suspense } from 'react'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { PageHeader } from '@/components/ui/page-header'
import { Section } from '@/components/ui/section'
import { Skeleton } from '@/components/ui/skeleton'
import { usageQueryOptions } from '@/features/usage/api/get-usage'
import { BudgetForm } from '@/features/usage/components/budget-form'
import { BudgetSummary } from '@/features/usage/components/budget-summary'
import { UsageRange } from '@/features/usage/components/usage-range'
import { UsageTables } from '@/features/usage/components/usage-tables'
import { loadUsageChart, resolveRange } from '@/features/usage/usage-search'
import { formatUSD } from '@/lib/format'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/usage')({ component: UsagePage })

const UsageChart = lazy(loadUsageChart)

const num = new Intl.NumberFormat('en-US')

function UsagePage() {
  const { membership, tenantId } = Route.useRouteContext()
  const range = resolveRange(Route.useSearch())
  const navigate = useNavigate()
  const usage = useQuery(usageQueryOptions(tenantId, range))
  const data = usage.data
  const empty = data !== undefined && data.totals.calls === 0 && data.totals.cost_usd === 0

  return (
    <>
      <PageHeader title="Usage" description="Model calls, tokens and cost per UTC day, agent and model." />
      <UsageRange key={`${range.from}/${range.to}`} {...range} onChange={(next) => void navigate({ to: '/usage', search: next })} />
      {usage.error ? (
        <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
      ) : !data ? (
        <div role="status" className="space-y-3 rounded-lg border border-zinc-200 bg-white p-5">
          <span className="sr-only">Loading…</span>
          <Skeleton className="h-5 w-40" />
          <Skeleton className="h-64 w-full" />
        </div>
      ) : (
        <div className="space-y-6">
          {empty ? (
            <EmptyState icon={BarChart3} title="No usage in this range">
              Cost and tokens appear here once your agents answer.
            </EmptyState>
          ) : (
            <>
              <p className="text-sm text-zinc-600">
                <span className="font-semibold text-zinc-900">{formatUSD(data.totals.cost_usd)}</span> for {num.format(data.totals.calls)} calls,{' '}
                {num.format(data.totals.input_tokens + data.totals.output_tokens)} tokens.
              </p>
              <Suspense fallback={<Skeleton className="h-80 w-full" />}>
                <UsageChart days={data.by_day} />
              </Suspense>
              <UsageTables usage={data} />
            </>
          )}
          <Section title="Monthly budget" description="LLM spend this UTC month, across every agent.">
            <BudgetSummary budget={data.budget} />
            {hasRole(membership.role, 'admin') ? (
              <BudgetForm key={`${data.budget.limit_usd}/${data.budget.action}`} tenantId={tenantId} budget={data.budget} />
            ) : (
              <p className="text-sm text-zinc-600">Owners and admins set the budget.</p>
            )}
          </Section>
        </div>
      )}
    </>
  )
}
