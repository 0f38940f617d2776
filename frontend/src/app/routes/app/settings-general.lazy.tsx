import { useQuery } from '@tanstack/react-query'
import { createLazyRoute } from '@tanstack/react-router'
import { ErrorState } from '@/components/ui/error-state'
import { ListSkeleton } from '@/components/ui/skeleton'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { TenantSettingsForm } from '@/features/tenants/components/tenant-settings-form'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/settings/general')({ component: GeneralSettingsPage })

function GeneralSettingsPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const tenant = useQuery(tenantQueryOptions(tenantId))
  if (tenant.isPending) return <ListSkeleton rows={2} label="Loading workspace" />
  if (tenant.isError) return <ErrorState error={tenant.error} onRetry={() => tenant.refetch()} />
  return <TenantSettingsForm tenant={tenant.data} canEdit={hasRole(membership.role, 'admin')} />
}
