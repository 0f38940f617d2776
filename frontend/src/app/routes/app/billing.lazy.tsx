import { useQuery } from '@tanstack/react-query'
import { createLazyRoute, useNavigate } from '@tanstack/react-router'
import { CreditCard } from 'lucide-react'
import { useEffect } from 'react'
import { toast } from 'sonner'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { PageHeader } from '@/components/ui/page-header'
import { Skeleton } from '@/components/ui/skeleton'
import { billingQueryOptions } from '@/features/billing/api/get-billing'
import { BillingAction } from '@/features/billing/components/billing-action'
import { BillingOverview } from '@/features/billing/components/billing-overview'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/billing')({ component: BillingPage })

function BillingPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { checkout } = Route.useSearch()
  const navigate = useNavigate()
  const billing = useQuery(billingQueryOptions(tenantId))

  // Back from Stripe: say how it went once, then drop the parameter so a reload does not repeat it.
  useEffect(() => {
    if (!checkout) return
    if (checkout === 'success') toast.success('Thanks! Your subscription is being set up; this page updates when Stripe confirms it.', { id: 'checkout' })
    else toast.info('Checkout canceled: nothing was charged.', { id: 'checkout' })
    void navigate({ to: '/billing', search: {}, replace: true })
  }, [checkout, navigate])

  return (
    <>
      <PageHeader
        title="Billing"
        description="One seat per active AI employee, billed monthly through Stripe."
        actions={
          billing.data?.enabled && (
            <BillingAction tenantId={tenantId} nextAction={billing.data.next_action} canManage={hasRole(membership.role, 'admin')} />
          )
        }
      />
      {billing.error ? (
        <ErrorState error={billing.error} onRetry={() => void billing.refetch()} />
      ) : !billing.data ? (
        <div role="status" className="space-y-3 rounded-lg border border-zinc-200 bg-white p-5">
          <span className="sr-only">Loading…</span>
          <Skeleton className="h-5 w-40" />
          <Skeleton className="h-24 w-full" />
        </div>
      ) : !billing.data.enabled ? (
        <EmptyState icon={CreditCard} title="Billing is not set up on this platform">
          Your agents answer without a subscription.
        </EmptyState>
      ) : (
        <BillingOverview billing={billing.data} />
      )}
    </>
  )
}
