import { useInfiniteQuery } from '@tanstack/react-query'
import { createLazyRoute, Link, useRouter } from '@tanstack/react-router'
import { buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { CreateAgent } from '@/features/agents/components/create-agent'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/agents/new')({ component: NewAgentPage })

function NewAgentPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const canManage = hasRole(membership.role, 'admin')
  const keys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })
  const { next } = Route.useSearch()
  const router = useRouter()
  const fromWizard = next === 'onboarding'
  return (
    <>
      <PageHeader title="New agent" description="Design an AI employee. You can change everything later." />
      <CreateAgent
        tenantId={tenantId}
        keys={canManage ? (keys.data?.keys ?? []) : undefined}
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
