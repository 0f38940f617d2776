import { toast } from '@/lib/toast'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { useDeleteAgent } from '../api/delete-agent'
import type { Agent } from '../api/get-agents'

interface DeleteAgentDialogProps {
  tenantId: string
  /** The agent to delete; the dialog is open while it is set. */
  agent: Pick<Agent, 'id' | 'name'> | null
  onOpenChange: (open: boolean) => void
  onDeleted?: () => void
}

export function DeleteAgentDialog({ tenantId, agent, onOpenChange, onDeleted }: DeleteAgentDialogProps) {
  const remove = useDeleteAgent(tenantId, {
    onSuccess: () => {
      toast.success(`${agent?.name ?? 'The agent'} was deleted`)
      // A page showing the deleted agent leaves instead of re-rendering it
      // (which would refetch it and flash a 404).
      if (onDeleted) onDeleted()
      else onOpenChange(false)
    },
  })
  return (
    <ConfirmDialog
      open={agent !== null}
      onOpenChange={onOpenChange}
      title={`Delete ${agent?.name ?? 'agent'}?`}
      description="It stops answering at once and its configuration is gone. Conversations it had stay in the history."
      confirmLabel="Delete agent"
      pending={remove.isPending}
        error={remove.error}
      onConfirm={() => agent && remove.mutate(agent.id)}
    />
  )
}
