import type { FieldValues, UseFormSetError } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { problemMessage } from '@/api/problem'
import { applyProblemToForm, type FieldResolver } from './form-problem'

/** Shows a failed request that has no control of its own as a toast. */
export function notifyError(error: unknown): void {
  toast.error(problemMessage(error))
}

/**
 * A failed form submission: field errors go next to their inputs; anything
 * else (403, 409, 502, a field this form does not have) becomes the form's
 * own error, which the form shows next to its submit button until the next
 * attempt (never a toast that vanishes before it is read).
 */
export function reportFormError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  resolve: FieldResolver<T>,
): void {
  const applied = applyProblemToForm(error, setError, resolve)
  if (applied && applied.matched > 0) {
    if (applied.unmatched.length > 0) setError('root', { type: 'server', message: applied.unmatched.join(' ') })
    return
  }
  setError('root', { type: 'server', message: problemMessage(error) })
}
