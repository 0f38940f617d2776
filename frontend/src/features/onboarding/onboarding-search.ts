import { optional, z } from '@/lib/zod-mini'

export const onboardingSteps = [
  { step: 1, title: 'Connect Channel', description: 'Slack or WhatsApp' },
  { step: 2, title: 'Configure Agent', description: 'Who answers' },
  { step: 3, title: 'Test Message', description: 'Go live' },
] as const

export type Step = 1 | 2 | 3

/**
 * The wizard's URL: `?step=` (anything invalid falls back to 1; none means
 * the furthest step reached), plus what
 * Slack's OAuth callback appends when it sends the browser back
 * (`connected=true&channel=slack`, or `error=slack_auth_failed` /
 * `slack_workspace_taken`). Those are read once and then removed.
 */
export const onboardingSearchSchema = z.object({
  // Absent (the sidebar's link): the furthest step reached. Invalid: step 1.
  step: z.optional(z.catch(z.pipe(z.coerce.number(), z.union([z.literal(1), z.literal(2), z.literal(3)])), 1)),
  // The router parses `connected=true` as the boolean true.
  connected: optional(z.pipe(z.coerce.string(), z.literal('true'))),
  channel: optional(z.enum(['slack', 'whatsapp'])),
  error: optional(z.string().check(z.maxLength(100))),
})

export type OnboardingSearch = z.infer<typeof onboardingSearchSchema>

export interface Progress {
  /** A channel is connected (active). */
  channel: boolean
  /** An active agent exists. */
  agent: boolean
  /** The server says the AI employee is live (the test's round trip came back). */
  live: boolean
}

/** The furthest step the operator may see: no step before its earlier steps are done. */
export function maxStep(p: Progress): Step {
  if (!p.channel) return 1
  if (!p.agent) return 2
  return 3
}

/** The step to show for the one asked for (none: the furthest one reached). */
export function resolveStep(requested: Step | undefined, p: Progress): Step {
  return Math.min(requested ?? maxStep(p), maxStep(p)) as Step
}

export type StepState = 'complete' | 'active' | 'pending'

/**
 * A step's state in the stepper. Being live is the wizard's goal, so the last
 * step gets its check mark as soon as it is reached, even while shown.
 */
export function stepState(step: Step, current: Step, p: Progress): StepState {
  const done = step === 1 ? p.channel : step === 2 ? p.agent : p.live
  if (step === 3 && done) return 'complete'
  if (step === current) return 'active'
  return done ? 'complete' : 'pending'
}

/** What a Slack return means, in words an operator can act on. */
export function slackReturnError(code: string): string {
  switch (code) {
    case 'slack_workspace_taken':
      return 'That Slack workspace is already connected to another Konstruct workspace. Disconnect it there first, or choose another Slack workspace.'
    case 'slack_auth_failed':
      return 'Slack didn’t finish the installation: it was cancelled, took longer than 10 minutes, or was started by someone else. Try “Add to Slack” again.'
    default:
      return 'Connecting Slack failed. Try “Add to Slack” again.'
  }
}
