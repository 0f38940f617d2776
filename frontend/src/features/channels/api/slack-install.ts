import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'

/** Asks for Slack's authorization URL and sends the browser there. */
export function useSlackInstall(tenantId: string, go: (url: string) => void = (url) => window.location.assign(url)) {
  return useMutation({
    mutationFn: async () =>
      dataOf(await api.GET('/api/portal/channels/slack/install', { params: { query: { tenant_id: tenantId } } })).authorize_url,
    onSuccess: go,
    // Shown next to the button by the card, never as a toast.
    onError: () => {},
  })
}
