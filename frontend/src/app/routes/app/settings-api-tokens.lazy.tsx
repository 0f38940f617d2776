import { createLazyRoute } from '@tanstack/react-router'
import { Lock } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { CreateAPITokenDialog } from '@/features/api-tokens/components/create-api-token-dialog'
import { APITokensTable } from '@/features/api-tokens/components/api-tokens-table'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/settings/api-tokens')({ component: APITokensPage })

function APITokensPage() {
  const { membership, tenantId } = Route.useRouteContext()
  if (!hasRole(membership.role, 'admin')) {
    return (
      <EmptyState icon={Lock} title="Owners and admins manage API tokens">
        Ask an admin of {membership.tenant_name} for a token if an integration needs one.
      </EmptyState>
    )
  }
  return (
    <>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">
          Integrations call the API with <code className="rounded bg-zinc-100 px-1 text-xs">Authorization: Bearer kst_…</code>. See the{' '}
          <a href="/api/docs" target="_blank" rel="noopener" className="font-medium text-brand-700 hover:underline">
            API docs
          </a>
          .
        </p>
        <CreateAPITokenDialog tenantId={tenantId} callerRole={membership.role} />
      </div>
      <APITokensTable tenantId={tenantId} />
    </>
  )
}
