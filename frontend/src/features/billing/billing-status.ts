import type { components } from '@/api/schema.gen'

type BillingState = components['schemas']['BillingState']
export type SubscriptionStatus = BillingState['status']
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'accent'

const statuses: Record<SubscriptionStatus, { label: string; tone: BadgeTone }> = {
  active: { label: 'Active', tone: 'success' },
  trialing: { label: 'Trialing', tone: 'accent' },
  past_due: { label: 'Past due', tone: 'warning' },
  canceled: { label: 'Canceled', tone: 'danger' },
  unpaid: { label: 'Unpaid', tone: 'danger' },
  incomplete: { label: 'Incomplete', tone: 'warning' },
  incomplete_expired: { label: 'Expired', tone: 'danger' },
  paused: { label: 'Paused', tone: 'neutral' },
  none: { label: 'No subscription', tone: 'neutral' },
}

/** The badge for a subscription status; an unknown status (a newer API) reads as itself. */
export function statusBadge(status: string): { label: string; tone: BadgeTone } {
  return (statuses as Record<string, { label: string; tone: BadgeTone }>)[status] ?? { label: status, tone: 'neutral' }
}

const reasons: Record<string, string> = {
  no_subscription: 'There is no subscription: subscribe to turn your agents on.',
  trial_ended: 'The free trial has ended: subscribe to keep your agents answering.',
  subscription_canceled: 'The subscription was canceled.',
  subscription_unpaid: 'The subscription is unpaid.',
  subscription_incomplete: 'The first payment has not gone through.',
  subscription_incomplete_expired: 'The first payment never went through and the subscription expired.',
  subscription_paused: 'The subscription is paused.',
  payment_overdue: 'A payment is overdue and the grace period has ended.',
  budget_exceeded: 'The monthly budget is spent and its action is “stop”.',
}

/** Why agents do not answer, in words. */
export function blockedReasonText(reason: string | null | undefined): string {
  if (!reason) return 'Agents are not answering.'
  return reasons[reason] ?? `Agents are not answering (${reason.replaceAll('_', ' ')}).`
}

const plans: Record<string, string> = { trial: 'Free trial', standard: 'Standard', none: 'None' }

export function planLabel(plan: string): string {
  return plans[plan] ?? plan
}

/** "$20.00 per seat per month", from Stripe's price (in cents). */
export function priceText(price: BillingState['price']): string | null {
  if (!price) return null
  let amount: string
  try {
    amount = new Intl.NumberFormat('en-US', { style: 'currency', currency: price.currency.toUpperCase() }).format(price.unit_amount / 100)
  } catch {
    amount = `${(price.unit_amount / 100).toFixed(2)} ${price.currency.toUpperCase()}`
  }
  return `${amount} per seat (active agent) per ${price.interval}`
}
