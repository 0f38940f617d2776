import { createFileRoute } from '@tanstack/react-router'
import { Lock } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { apiTokensQueryOptions } from '@/features/api-tokens/api/get-api-tokens'
import { CreateAPITokenDialog } from '@/features/api-tokens/components/create-api-token-dialog'
import { APITokensTable } from '@/features/api-tokens/components/api-tokens-table'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings/api-tokens')({
  loader: async ({ context: { queryClient, tenantId, membership } }) => {
    if (hasRole(membership.role, 'admin')) await queryClient.ensureInfiniteQueryData(apiTokensQueryOptions(tenantId))
  },
  component: APITokensPage,
})

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
          Integrations call the API with <code className="rounded bg-zinc-100 px-1 text-xs text-zinc-800">Authorization: Bearer kst_…</code>. See the{' '}
          <a href="/api/docs" target="_blank" rel="noopener" className="font-medium text-brand-700 underline underline-offset-2">
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
