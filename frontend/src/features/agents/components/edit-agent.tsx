import { zodResolver } from '@hookform/resolvers/zod'
import type { ReactNode } from 'react'
import { useForm } from 'react-hook-form'
import { toast } from 'sonner'
import { reportFormError } from '@/lib/notify'
import type { Agent } from '../api/get-agents'
import { useUpdateAgent } from '../api/update-agent'
import { AgentForm } from './agent-form'
import { agentFieldForPath, agentFormSchema, agentToFormValues, formValuesToAgent, type AgentFormValues, type PinnableKey } from './agent-form-schema'

export function EditAgent({ agent, readOnly, secondary, keys }: { agent: Agent; readOnly: boolean; secondary?: ReactNode; keys?: readonly PinnableKey[] | undefined }) {
  const form = useForm<AgentFormValues>({ resolver: zodResolver(agentFormSchema), defaultValues: agentToFormValues(agent) })
  const update = useUpdateAgent(agent.tenant_id, agent.id, {
    onSuccess: (saved) => {
      form.reset(agentToFormValues(saved))
      toast.success('Changes saved')
    },
    onError: (error) => reportFormError(error, form.setError, agentFieldForPath),
  })
  return (
    <AgentForm
      form={form}
      onSubmit={(values) => {
        const body = formValuesToAgent(values)
        // HTTP tools go back only when edited: their secret headers stay as stored.
        if (JSON.stringify(values.http_tools) === JSON.stringify(agentToFormValues(agent).http_tools)) delete body.http_tools
        update.mutate(body)
      }}
      submitLabel="Save changes"
      pending={update.isPending}
      readOnly={readOnly}
      secondary={secondary}
      keys={keys}
    />
  )
}
