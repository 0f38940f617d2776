import { Link } from '@tanstack/react-router'
import { Check } from 'lucide-react'
import { cn } from '@/lib/cn'
import { onboardingSteps, stepState, type Progress, type Step } from '../onboarding-search'

/** The wizard's three steps with complete/active/pending states; reachable steps are links. */
export function Stepper({ current, progress, reachable }: { current: Step; progress: Progress; reachable: Step }) {
  return (
    <nav aria-label="Onboarding progress" className="mb-6">
      <ol className="grid grid-cols-3 gap-2">
        {onboardingSteps.map(({ step, title, description }) => {
          const state = stepState(step, current, progress)
          const body = (
            <>
              <span
                className={cn(
                  'flex size-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold ring-1',
                  state === 'complete' && 'bg-brand-600 text-white ring-brand-600',
                  state === 'active' && 'bg-white text-brand-700 ring-2 ring-brand-600',
                  state === 'pending' && 'bg-white text-zinc-600 ring-zinc-300',
                )}
                aria-hidden
              >
                {state === 'complete' ? <Check className="size-4" /> : step}
              </span>
              <span className="min-w-0">
                <span className={cn('block text-xs font-medium sm:text-sm', state === 'pending' ? 'text-zinc-600' : 'text-zinc-900')}>{title}</span>
                <span className="hidden text-xs text-zinc-600 sm:block">{description}</span>
              </span>
              <span className="sr-only">{` (${[state === 'complete' ? 'complete' : state === 'pending' ? 'not started' : '', step === current ? 'current step' : ''].filter(Boolean).join(', ')})`}</span>
            </>
          )
          const cls = cn(
            'flex h-full flex-col items-start gap-2 rounded-lg border p-2.5 sm:flex-row sm:items-center sm:p-3',
            step === current ? 'border-brand-600 bg-brand-50' : 'border-zinc-200 bg-white',
          )
          return (
            <li key={step} data-state={state} aria-current={step === current ? 'step' : undefined}>
              {step <= reachable && step !== current ? (
                <Link to="/onboarding" search={{ step }} className={cn(cls, 'hover:border-brand-300')}>
                  {body}
                </Link>
              ) : (
                <div className={cls}>{body}</div>
              )}
            </li>
          )
        })}
      </ol>
    </nav>
  )
}
