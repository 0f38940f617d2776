import * as AlertDialog from '@radix-ui/react-alert-dialog'
import type { ReactNode } from 'react'
import { Button, buttonClass } from './button'
import { InlineError } from './inline-error'

interface ConfirmDialogProps {
  open: boolean
  onOpenChange: (open: boolean) => void
  title: ReactNode
  description: ReactNode
  confirmLabel: string
  pending?: boolean
  /** Why the action failed, shown in the dialog next to its button. */
  error?: unknown
  onConfirm: () => void
}

/**
 * Asks before something irreversible. Focus starts on Cancel, so Enter does
 * not destroy anything by accident; the dialog stays open while the action
 * runs and the caller closes it when it succeeds.
 */
export function ConfirmDialog({ open, onOpenChange, title, description, confirmLabel, pending = false, error, onConfirm }: ConfirmDialogProps) {
  return (
    <AlertDialog.Root open={open} onOpenChange={(next) => !pending && onOpenChange(next)}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-zinc-950/40" />
        <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-lg border border-zinc-200 bg-white p-5 shadow-xl focus:outline-none sm:p-6">
          <AlertDialog.Title className="text-base font-semibold text-zinc-900">{title}</AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-sm text-zinc-600">{description}</AlertDialog.Description>
          <InlineError error={error} className="mt-4" />
          <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <AlertDialog.Cancel className={buttonClass('secondary')} disabled={pending}>
              Cancel
            </AlertDialog.Cancel>
            <Button variant="danger" pending={pending} onClick={onConfirm}>
              {confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  )
}
