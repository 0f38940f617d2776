import { useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute } from '@tanstack/react-router'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { TenantSettingsForm } from '@/features/tenants/components/tenant-settings-form'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings/general')({
  loader: ({ context: { queryClient, tenantId } }) => queryClient.ensureQueryData(tenantQueryOptions(tenantId)).then(() => undefined),
  component: GeneralSettingsPage,
})

function GeneralSettingsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const tenant = useSuspenseQuery(tenantQueryOptions(tenantId)).data
  return <TenantSettingsForm tenant={tenant} canEdit={hasRole(membership.role, 'admin')} />
}
