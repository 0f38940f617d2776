import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'

/** Where the browser goes next; a seam so tests can see the redirect. */
export const navigateTo = { assign: (url: string) => window.location.assign(url) }

/**
 * Starts a Stripe Checkout (`checkout`) or opens the Customer Portal
 * (`portal`) and sends the browser there. Nothing is cached: the state
 * changes by webhook, and the page is reloaded on the way back.
 */
export function useOpenStripe(tenantId: string) {
  return useMutation({
    mutationFn: async (kind: 'checkout' | 'portal') => {
      const body = { tenant_id: tenantId }
      if (kind === 'checkout') return dataOf(await api.POST('/api/portal/billing/checkout', { body })).checkout_url
      return dataOf(await api.POST('/api/portal/billing/portal', { body })).portal_url
    },
    onSuccess: (url) => navigateTo.assign(url),
    // Shown next to the button, never as a toast.
    onError: () => {},
  })
}
