import { useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute } from '@tanstack/react-router'
import { Lock } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { modelsQueryOptions } from '@/features/agents/api/get-models'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { AddLLMKeyDialog } from '@/features/llm-keys/components/add-llm-key-dialog'
import { LLMKeysTable } from '@/features/llm-keys/components/llm-keys-table'
import { hasRole } from '@/lib/roles'
import { optional, z } from '@/lib/zod-mini'

export const Route = createFileRoute('/_app/settings/api-keys')({
  // `?add=openai`: a readiness action ("Add an OpenAI key") opens the dialog for that provider.
  validateSearch: z.object({ add: optional(z.enum(['openai', 'anthropic', 'custom'])) }),
  loader: async ({ context: { queryClient, tenantId, membership } }) => {
    if (!hasRole(membership.role, 'admin')) return
    await Promise.all([
      queryClient.ensureInfiniteQueryData(llmKeysQueryOptions(tenantId)),
      queryClient.ensureQueryData(modelsQueryOptions(tenantId)),
    ])
  },
  component: LLMKeysPage,
})

function LLMKeysPage() {
  const { membership, tenantId } = Route.useRouteContext()
  if (!hasRole(membership.role, 'admin')) {
    return <EmptyState icon={Lock} title="Owners and admins manage LLM API keys" />
  }
  return <LLMKeys tenantId={tenantId} />
}

function LLMKeys({ tenantId }: { tenantId: string }) {
  const { add } = Route.useSearch()
  const navigate = Route.useNavigate()
  const models = useSuspenseQuery(modelsQueryOptions(tenantId)).data
  // Which providers agents can call without the tenant's own keys.
  const platform = [...new Set(models.filter((m) => m.key_source === 'platform').map((m) => m.provider))]
  return (
    <>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-zinc-600">
          Your own LLM provider keys. Agents use them before the platform’s; pin one per provider in the Agent Designer.
        </p>
        <AddLLMKeyDialog
          tenantId={tenantId}
          initialProvider={add}
          defaultOpen={add !== undefined}
          onOpenChange={(open) => !open && add && void navigate({ search: {}, replace: true })}
        />
      </div>
      <LLMKeysTable tenantId={tenantId} platformProviders={platform} />
    </>
  )
}
