import { useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, useNavigate } from '@tanstack/react-router'
import { BarChart3, Pencil } from 'lucide-react'
import { lazy, Suspense, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Skeleton } from '@/components/ui/skeleton'
import { EmptyState } from '@/components/ui/empty-state'
import { PageHeader } from '@/components/ui/page-header'
import { Section } from '@/components/ui/section'
import { usageQueryOptions } from '@/features/usage/api/get-usage'
import { BudgetSummary } from '@/features/usage/components/budget-summary'
import { UsageChart } from '@/features/usage/components/usage-chart'
import { UsageRange } from '@/features/usage/components/usage-range'
import { UsageTables } from '@/features/usage/components/usage-tables'
import { resolveRange, usageSearchSchema } from '@/features/usage/usage-search'
import { formatCost } from '@/lib/format'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/usage')({
  validateSearch: usageSearchSchema,
  loaderDeps: ({ search: { from, to } }) => ({ from, to }),
  loader: ({ context: { queryClient, tenantId }, deps }) =>
    queryClient.ensureQueryData(usageQueryOptions(tenantId, resolveRange(deps))).then(() => undefined),
  component: UsagePage,
})

const num = new Intl.NumberFormat('en-US')

// The budget form (and the form library) loads when someone changes the
// budget: the page's first load is the figures.
const BudgetForm = lazy(() => import('@/features/usage/components/budget-form').then((m) => ({ default: m.BudgetForm })))

function UsagePage() {
  const { membership, tenantId } = Route.useRouteContext()
  const range = resolveRange(Route.useSearch())
  const navigate = useNavigate()
  const data = useSuspenseQuery(usageQueryOptions(tenantId, range)).data
  const empty = data.totals.calls === 0 && data.totals.cost_usd === 0

  return (
    <>
      <PageHeader title="Usage" description="Model calls, tokens and cost per UTC day, agent and model." />
      <UsageRange key={`${range.from}/${range.to}`} {...range} onChange={(next) => void navigate({ to: '/usage', search: next })} />
      <div className="space-y-6">
        {empty ? (
          <EmptyState icon={BarChart3} title="No usage in this range">
            Cost and tokens appear here once your agents answer.
          </EmptyState>
        ) : (
          <>
            <p className="text-sm text-zinc-700">
              <span className="font-semibold text-zinc-900">{formatCost(data.totals.cost_usd)}</span> for {num.format(data.totals.calls)} calls,{' '}
              {num.format(data.totals.input_tokens + data.totals.output_tokens)} tokens.
            </p>
            <UsageChart days={data.by_day} />
            <UsageTables usage={data} />
          </>
        )}
        <Section title="Monthly budget" description="LLM spend this UTC month, across every agent.">
          <BudgetSummary budget={data.budget} />
          {hasRole(membership.role, 'admin') ? (
            <ChangeBudget tenantId={tenantId} budget={data.budget} />
          ) : (
            <p className="text-sm text-zinc-600">Owners and admins set the budget.</p>
          )}
        </Section>
      </div>
    </>
  )
}

function ChangeBudget({ tenantId, budget }: { tenantId: string; budget: Parameters<typeof BudgetForm>[0]['budget'] }) {
  const [open, setOpen] = useState(false)
  if (!open) {
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        <Pencil className="size-4" aria-hidden /> Change budget
      </Button>
    )
  }
  return (
    <Suspense fallback={<Skeleton className="h-16 w-full" />}>
      <BudgetForm key={`${budget.limit_usd}/${budget.action}`} tenantId={tenantId} budget={budget} autoFocus />
    </Suspense>
  )
}
