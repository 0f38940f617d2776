import { Badge } from '@/components/ui/badge'
import { formatCost, formatUSD } from '@/lib/format'
import { cn } from '@/lib/cn'
import type { Budget } from '../api/get-usage'
import { budgetBadge } from '../budget-status'

const bar = { none: 'bg-zinc-300', ok: 'bg-emerald-500', warning: 'bg-amber-500', exceeded: 'bg-red-500' } as const

/** Month-to-date spend against the monthly limit. */
export function BudgetSummary({ budget }: { budget: Budget }) {
  const badge = budgetBadge(budget.status)
  const percent = budget.percent === null ? null : Math.round(budget.percent)
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-zinc-700">
          <span className="text-2xl font-semibold tracking-tight text-zinc-900">{formatCost(budget.month_to_date_usd)}</span> spent this month
          {budget.limit_usd !== null && <> of {formatUSD(budget.limit_usd)}</>}
          {percent !== null && <> ({percent}%)</>}
        </p>
        <Badge tone={badge.tone}>{badge.label}</Badge>
      </div>
      {percent !== null && (
        <div
          role="progressbar"
          aria-label="Budget used"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.min(percent, 100)}
          className="h-2 overflow-hidden rounded-full bg-zinc-100"
        >
          <div className={cn('h-full rounded-full', bar[budget.status])} style={{ width: `${Math.min(percent, 100)}%` }} />
        </div>
      )}
    </div>
  )
}
