import type { FieldValues, UseFormSetError } from 'react-hook-form'
import { toast } from 'sonner'
import { problemMessage } from '@/api/problem'
import { applyProblemToForm, type FieldResolver } from './form-problem'

/** Shows a failed request as a toast with the problem's detail. */
export function notifyError(error: unknown): void {
  toast.error(problemMessage(error))
}

/**
 * A failed form submission: field errors go next to their inputs; anything
 * else (403, 409, 500, a field this form does not have) becomes a toast.
 */
export function reportFormError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  resolve: FieldResolver<T>,
): void {
  const applied = applyProblemToForm(error, setError, resolve)
  if (applied && applied.matched > 0) {
    if (applied.unmatched.length > 0) toast.error(applied.unmatched.join(' '))
    return
  }
  notifyError(error)
}
