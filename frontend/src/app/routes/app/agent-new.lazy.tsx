import { createLazyRoute, Link, useRouter } from '@tanstack/react-router'
import { buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { CreateAgent } from '@/features/agents/components/create-agent'

export const Route = createLazyRoute('/_app/agents/new')({ component: NewAgentPage })

function NewAgentPage() {
  const { tenantId } = Route.useRouteContext()
  const router = useRouter()
  return (
    <>
      <PageHeader title="New agent" description="Design an AI employee. You can change everything later." />
      <CreateAgent
        tenantId={tenantId}
        onCreated={() => void router.navigate({ to: '/agents' })}
        secondary={
          <Link to="/agents" className={buttonClass('secondary')}>
            Cancel
          </Link>
        }
      />
    </>
  )
}
