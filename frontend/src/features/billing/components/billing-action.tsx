import { CreditCard, ExternalLink } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { InlineError } from '@/components/ui/inline-error'
import type { BillingState } from '../api/get-billing'
import { useOpenStripe } from '../api/open-stripe'

interface BillingActionProps {
  tenantId: string
  nextAction: BillingState['next_action']
  /** Owners and admins; members only see the state. */
  canManage: boolean
}

/** "Subscribe" or "Manage billing", whichever the API says comes next. */
export function BillingAction({ tenantId, nextAction, canManage }: BillingActionProps) {
  const open = useOpenStripe(tenantId)
  if (nextAction === 'none') return null
  if (!canManage) return <p className="text-sm text-zinc-600">Owners and admins manage the subscription.</p>
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      {nextAction === 'checkout' ? (
        <Button pending={open.isPending} onClick={() => open.mutate('checkout')}>
          <CreditCard className="size-4" aria-hidden /> Subscribe
        </Button>
      ) : (
        <Button variant="secondary" pending={open.isPending} onClick={() => open.mutate('portal')}>
          <ExternalLink className="size-4" aria-hidden /> Manage billing
        </Button>
      )}
      <InlineError error={open.error} className="sm:max-w-sm" />
    </div>
  )
}
