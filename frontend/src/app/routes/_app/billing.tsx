import { useQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, useNavigate } from '@tanstack/react-router'
import { CreditCard, Loader2 } from 'lucide-react'
import { useEffect, useState } from 'react'
import { EmptyState } from '@/components/ui/empty-state'
import { PageHeader } from '@/components/ui/page-header'
import { billingQueryOptions } from '@/features/billing/api/get-billing'
import { BillingAction } from '@/features/billing/components/billing-action'
import { BillingOverview } from '@/features/billing/components/billing-overview'
import { checkoutPending, clearCheckoutPending, markCheckoutPending } from '@/features/billing/checkout-pending'
import { hasRole } from '@/lib/roles'
import { optional, z } from '@/lib/zod-mini'

export const Route = createFileRoute('/_app/billing')({
  // Stripe sends the operator back with `?checkout=success|canceled` (and a session id we do not need).
  validateSearch: z.object({ checkout: optional(z.enum(['success', 'canceled'])) }),
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureQueryData(billingQueryOptions(tenantId)).then(() => undefined),
  component: BillingPage,
})

function BillingPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { checkout } = Route.useSearch()
  const navigate = useNavigate()
  const [canceled, setCanceled] = useState(false)
  const [pending, setPending] = useState(() => checkout === 'success' || checkoutPending(tenantId))
  const first = useSuspenseQuery(billingQueryOptions(tenantId)).data
  // While Stripe's confirmation is on its way, ask every two seconds.
  const billing = useQuery({ ...billingQueryOptions(tenantId), refetchInterval: pending ? 2_000 : false }).data ?? first
  const confirmed = billing.next_action !== 'checkout'

  // Back from Stripe: remember how it went, then drop the parameter so a reload does not repeat it.
  useEffect(() => {
    if (!checkout) return
    if (checkout === 'success') markCheckoutPending(tenantId)
    else setCanceled(true)
    void navigate({ to: '/billing', search: {}, replace: true })
  }, [checkout, navigate, tenantId])
  useEffect(() => {
    if (pending && confirmed) {
      clearCheckoutPending(tenantId)
      setPending(false)
    }
  }, [pending, confirmed, tenantId])

  const waiting = pending && !confirmed
  return (
    <>
      <PageHeader
        title="Billing"
        description="One seat per active AI employee, billed monthly through Stripe."
        actions={
          billing.enabled &&
          !waiting && <BillingAction tenantId={tenantId} nextAction={billing.next_action} canManage={hasRole(membership.role, 'admin')} />
        }
      />
      {!billing.enabled ? (
        <EmptyState icon={CreditCard} title="Billing is not set up on this platform">
          Your agents answer without a subscription.
        </EmptyState>
      ) : (
        <div className="space-y-4">
          {waiting && (
            <div role="status" className="flex items-start gap-2 rounded-lg border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-brand-800">
              <Loader2 className="mt-0.5 size-4 shrink-0 animate-spin" aria-hidden />
              <span>
                <span className="font-medium">Subscription pending.</span> Stripe has your payment details; this page updates as soon as Stripe
                confirms the subscription, usually within a minute.
              </span>
            </div>
          )}
          {canceled && !waiting && (
            <p role="status" className="rounded-lg border border-zinc-200 bg-white px-4 py-3 text-sm text-zinc-700">
              Checkout was canceled: nothing was charged.
            </p>
          )}
          <BillingOverview billing={billing} pending={waiting} />
        </div>
      )}
    </>
  )
}
