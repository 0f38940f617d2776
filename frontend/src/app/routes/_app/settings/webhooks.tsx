import { createFileRoute } from '@tanstack/react-router'
import { endpointsQueryOptions } from '@/features/webhooks/api/get-endpoints'
import { WebhooksPage } from '@/features/webhooks/components/webhooks-page'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings/webhooks')({
  loader: async ({ context: { queryClient, tenantId, membership } }) => {
    // Owners and admins only (the API answers 403 to members; the tab is hidden for them).
    if (!hasRole(membership.role, 'admin')) return
    await queryClient.ensureQueryData(endpointsQueryOptions(tenantId))
  },
  component: SettingsWebhooksPage,
})

function SettingsWebhooksPage() {
  const { membership, tenantId } = Route.useRouteContext()
  return <WebhooksPage tenantId={tenantId} role={membership.role} tenantName={membership.tenant_name} />
}
