import { createLazyRoute } from '@tanstack/react-router'
import { Lock } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { AddLLMKeyDialog } from '@/features/llm-keys/components/add-llm-key-dialog'
import { LLMKeysTable } from '@/features/llm-keys/components/llm-keys-table'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/settings/api-keys')({ component: LLMKeysPage })

function LLMKeysPage() {
  const { membership, tenantId } = Route.useRouteContext()
  if (!hasRole(membership.role, 'admin')) {
    return <EmptyState icon={Lock} title="Owners and admins manage LLM API keys" />
  }
  return (
    <>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">
          Your own LLM provider keys. Agents use them before the platform’s; pin one per provider in the Agent Designer.
        </p>
        <AddLLMKeyDialog tenantId={tenantId} />
      </div>
      <LLMKeysTable tenantId={tenantId} />
    </>
  )
}
