import { zodResolver } from '@hookform/resolvers/zod'
import type { ReactNode } from 'react'
import { useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { reportFormError } from '@/lib/notify'
import { useCreateAgent } from '../api/create-agent'
import type { Agent } from '../api/get-agents'
import type { Model } from '../api/get-models'
import { AgentForm } from './agent-form'
import { agentFieldForPath, agentFormSchema, formValuesToAgent, newAgentValues, type AgentFormValues, type PinnableKey } from './agent-form-schema'

export function CreateAgent({
  tenantId,
  onCreated,
  secondary,
  keys,
  models,
}: {
  tenantId: string
  onCreated: (agent: Agent) => void
  secondary?: ReactNode
  keys?: readonly PinnableKey[] | undefined
  models?: readonly Model[] | undefined
}) {
  const form = useForm<AgentFormValues>({ resolver: zodResolver(agentFormSchema), defaultValues: newAgentValues })
  const create = useCreateAgent(tenantId, {
    onSuccess: (agent) => {
      toast.success(`${agent.name} was created`)
      onCreated(agent)
    },
    onError: (error) => reportFormError(error, form.setError, agentFieldForPath),
  })
  return (
    <AgentForm
      form={form}
      onSubmit={(values) => create.mutate(formValuesToAgent(values))}
      submitLabel="Create agent"
      pending={create.isPending}
      secondary={secondary}
      keys={keys}
      models={models}
    />
  )
}
