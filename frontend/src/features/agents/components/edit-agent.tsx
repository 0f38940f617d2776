import { zodResolver } from '@hookform/resolvers/zod'
import type { ReactNode } from 'react'
import { useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { reportFormError } from '@/lib/notify'
import type { Agent } from '../api/get-agents'
import type { Model } from '../api/get-models'
import { useUpdateAgent } from '../api/update-agent'
import { AgentForm } from './agent-form'
import { agentFieldForPath, agentFormSchema, agentToFormValues, formValuesToAgent, type AgentFormValues, type PinnableKey } from './agent-form-schema'

type HTTPTool = Agent['http_tools'][number]

/**
 * The limits an integrator set through the API (timeout, largest response)
 * that the form does not show: an edited tool keeps its own, found by name,
 * else by position (a renamed tool), so saving in the portal never resets
 * them to the defaults.
 */
export function keepToolLimits(edited: HTTPTool[], stored: readonly HTTPTool[]): HTTPTool[] {
  const names = new Set(edited.map((t) => t.name))
  return edited.map((t, i) => {
    const renamed = stored[i] && !names.has(stored[i].name) ? stored[i] : undefined
    const before = stored.find((s) => s.name === t.name) ?? renamed
    if (!before) return t
    return {
      ...t,
      ...(before.timeout_ms !== undefined ? { timeout_ms: before.timeout_ms } : {}),
      ...(before.max_response_bytes !== undefined ? { max_response_bytes: before.max_response_bytes } : {}),
    }
  })
}

export function EditAgent({
  agent,
  readOnly,
  secondary,
  keys,
  models,
}: {
  agent: Agent
  readOnly: boolean
  secondary?: ReactNode
  keys?: readonly PinnableKey[] | undefined
  models?: readonly Model[] | undefined
}) {
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
        else if (body.http_tools) body.http_tools = keepToolLimits(body.http_tools, agent.http_tools)
        update.mutate(body)
      }}
      submitLabel="Save changes"
      pending={update.isPending}
      readOnly={readOnly}
      secondary={secondary}
      keys={keys}
      models={models}
    />
  )
}
