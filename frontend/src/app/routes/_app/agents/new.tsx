import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { createFileRoute, Link, useRouter } from '@tanstack/react-router'
import { buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { modelsQueryOptions } from '@/features/agents/api/get-models'
import { CreateAgent } from '@/features/agents/components/create-agent'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { hasRole } from '@/lib/roles'
import { optional, z } from '@/lib/zod-mini'

export const Route = createFileRoute('/_app/agents/new')({
  // `next=onboarding`: the wizard sent the operator here and gets them back at its test step.
  validateSearch: z.object({ next: optional(z.enum(['onboarding'])) }),
  loader: async ({ context: { queryClient, tenantId, membership } }) => {
    await queryClient.ensureQueryData(modelsQueryOptions(tenantId))
    if (hasRole(membership.role, 'admin')) void queryClient.prefetchInfiniteQuery(llmKeysQueryOptions(tenantId))
  },
  component: NewAgentPage,
})

function NewAgentPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const canManage = hasRole(membership.role, 'admin')
  const keys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })
  const models = useQuery(modelsQueryOptions(tenantId))
  const { next } = Route.useSearch()
  const router = useRouter()
  const fromWizard = next === 'onboarding'
  return (
    <>
      <PageHeader title="New agent" description="Design an AI employee. You can change everything later." />
      <CreateAgent
        tenantId={tenantId}
        keys={canManage ? (keys.data?.keys ?? []) : undefined}
        models={models.data}
        onCreated={() => void router.navigate(fromWizard ? { to: '/onboarding', search: { step: 3 } } : { to: '/agents' })}
        secondary={
          fromWizard ? (
            <Link to="/onboarding" search={{ step: 2 }} className={buttonClass('secondary')}>
              Cancel
            </Link>
          ) : (
            <Link to="/agents" className={buttonClass('secondary')}>
              Cancel
            </Link>
          )
        }
      />
    </>
  )
}
