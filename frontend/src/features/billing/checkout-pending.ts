// Stripe confirms a new subscription by webhook, a few seconds after the
// browser is back from Checkout. Until then the page says the subscription
// is being set up (instead of "No subscription" with a Subscribe button) and
// keeps asking; the mark survives a reload and expires on its own.
const key = (tenantId: string) => `konstruct.checkout.${tenantId}`
const TTL = 10 * 60 * 1000

export function markCheckoutPending(tenantId: string, now = Date.now()): void {
  try {
    sessionStorage.setItem(key(tenantId), String(now))
  } catch {
    // storage disabled: the page just shows the state Stripe has confirmed
  }
}

export function checkoutPending(tenantId: string, now = Date.now()): boolean {
  try {
    const at = Number(sessionStorage.getItem(key(tenantId)))
    return at > 0 && now - at < TTL
  } catch {
    return false
  }
}

export function clearCheckoutPending(tenantId: string): void {
  try {
    sessionStorage.removeItem(key(tenantId))
  } catch {
    // nothing to clear
  }
}
