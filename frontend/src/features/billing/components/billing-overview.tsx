import { CheckCircle2, XCircle } from 'lucide-react'
import type { ReactNode } from 'react'
import { Badge } from '@/components/ui/badge'
import { formatDate, formatDateTime } from '@/lib/format'
import type { BillingState } from '../api/get-billing'
import { blockedReasonText, planLabel, priceText, statusBadge } from '../billing-status'

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:px-5">
      <dt className="text-sm text-zinc-600">{label}</dt>
      <dd className="text-sm font-medium text-zinc-900">{children}</dd>
    </div>
  )
}

/** The subscription at a glance: plan, status, seats, dates and whether agents answer. */
export function BillingOverview({ billing, pending = false }: { billing: BillingState; pending?: boolean }) {
  const badge = pending ? { label: 'Pending', tone: 'accent' as const } : statusBadge(billing.status)
  return (
    <div className="space-y-4">
      <div
        role="status"
        className={
          billing.agents_enabled
            ? 'flex items-start gap-2 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900'
            : 'flex items-start gap-2 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900'
        }
      >
        {billing.agents_enabled ? (
          <>
            <CheckCircle2 className="mt-0.5 size-4 shrink-0" aria-hidden /> Your agents are answering.
          </>
        ) : (
          <>
            <XCircle className="mt-0.5 size-4 shrink-0" aria-hidden />
            <span>
              <span className="font-medium">Your agents are not answering.</span> {blockedReasonText(billing.blocked_reason)}
            </span>
          </>
        )}
      </div>
      <section aria-label="Subscription" className="rounded-lg border border-zinc-200 bg-white">
        <dl className="divide-y divide-zinc-100">
          <Row label="Plan">{planLabel(billing.plan)}</Row>
          {priceText(billing.price) && <Row label="Price">{priceText(billing.price)}</Row>}
          <Row label="Status">
            <Badge tone={badge.tone}>{badge.label}</Badge>
          </Row>
          <Row label="Seats">
            {billing.seats} {billing.seats === 1 ? 'seat' : 'seats'} · {billing.active_agents} active{' '}
            {billing.active_agents === 1 ? 'agent' : 'agents'}
          </Row>
          {billing.period_end && <Row label="Current period ends">{formatDate(billing.period_end)}</Row>}
          {billing.trial_ends_at && (
            <Row label={new Date(billing.trial_ends_at) <= new Date() ? 'Trial ended' : 'Trial ends'}>{formatDate(billing.trial_ends_at)}</Row>
          )}
          {billing.grace_ends_at && <Row label="Grace period ends">{formatDateTime(billing.grace_ends_at)}</Row>}
        </dl>
      </section>
    </div>
  )
}
