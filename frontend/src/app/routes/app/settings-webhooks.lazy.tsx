import { createLazyRoute } from '@tanstack/react-router'
import { WebhooksPage } from '@/features/webhooks/components/webhooks-page'

export const Route = createLazyRoute('/_app/settings/webhooks')({ component: SettingsWebhooksPage })

function SettingsWebhooksPage() {
  const { membership, tenantId } = Route.useRouteContext()
  return <WebhooksPage tenantId={tenantId} role={membership.role} tenantName={membership.tenant_name} />
}
